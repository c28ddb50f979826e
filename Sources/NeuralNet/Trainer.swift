import Foundation

/// One epoch's figures, as Keras's `History` records them.
public struct EpochRecord: Sendable, Codable {
    /// The epoch's number, from 1.
    public let epoch: Int
    /// The training loss and metrics over the epoch's batches, by Keras's names (see ``Model/scores(_:)``).
    public let scores: Scores
    /// The same figures on the validation data after the epoch, when it was given (Keras adds `val_` to them).
    public let validation: Scores?
    /// Wall-clock seconds of the epoch's training steps (validation not included).
    public let seconds: Double

    /// An epoch's record.
    public init(epoch: Int, scores: Scores, validation: Scores?, seconds: Double) {
        self.epoch = epoch
        self.scores = scores
        self.validation = validation
        self.seconds = seconds
    }

    /// Mean training loss over the epoch's batches.
    public var loss: Double { scores["loss"] ?? .nan }
    /// Loss on the validation data, when it was given.
    public var validationLoss: Double? { validation?["loss"] }
    /// Keras's `logs`: the training figures, then the validation figures after `val_`.
    public var logs: Scores {
        var logs = scores
        for (name, value) in validation?.prefixed("val_") ?? Scores() { logs.append(name, value) }
        return logs
    }
}

/// Progress inside an epoch, reported after every batch.
public struct StepProgress: Sendable {
    /// The epoch's number, from 1.
    public let epoch: Int
    /// Batches done in this epoch.
    public let step: Int
    /// Batches in the epoch.
    public let steps: Int
    /// The loss and metrics over the epoch's batches so far (what Keras's progress bar shows).
    public let scores: Scores
    /// Samples trained per second so far in this epoch.
    public let samplesPerSecond: Double
}

/// Where a training run stopped because a batch's loss was NaN or infinite, as Keras's `TerminateOnNaN`
/// stops it. That batch took no optimizer step.
public struct NonFiniteLoss: Sendable, Equatable {
    /// The epoch, from 1.
    public let epoch: Int
    /// The batch within the epoch, from 1.
    public let batch: Int
    /// Batches in the epoch.
    public let batches: Int
    /// The batch's summed loss: NaN or an infinity.
    public let loss: Double
}

/// How to train: Keras `fit` arguments.
public struct TrainingOptions: Sendable {
    /// The number of passes over the training samples.
    public var epochs: Int
    /// Samples per step; the last batch of an epoch may be smaller.
    public var batchSize: Int
    /// Stop after the first epoch whose training `accuracy` exceeds this (the LeNet-5 notebook's callback).
    public var stopAtAccuracy: Double?
    /// Seed for the shuffling.
    public var seed: UInt64
    /// When the samples are shuffled.
    public var shuffle: ShuffleMode

    /// Keras's `fit` defaults for what is not given: shuffled every epoch, no early stop.
    public init(epochs: Int, batchSize: Int, stopAtAccuracy: Double? = nil, seed: UInt64 = 0, shuffle: ShuffleMode = .everyEpoch) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.stopAtAccuracy = stopAtAccuracy
        self.seed = seed
        self.shuffle = shuffle
    }
}

/// When `fit` shuffles the training samples.
public enum ShuffleMode: String, Sendable, CaseIterable {
    /// A new order every epoch: Keras's `shuffle=True` in an unseeded run.
    case everyEpoch = "epoch"
    /// One order, drawn before the first epoch and kept: Keras 3's `shuffle=True` after
    /// `keras.utils.set_random_seed`, whose per-epoch shuffle starts from the same seed every epoch.
    case once
    /// File order: Keras's `shuffle=False`.
    case off
}

/// The order of the training samples, epoch after epoch, as a ``ShuffleMode`` draws it.
public struct SampleOrder: Sendable {
    /// When the order changes.
    public let mode: ShuffleMode
    private var order: [Int]
    private var generator: SeededGenerator
    private var drawn = false

    /// The order of `count` samples, shuffled from `seed`.
    public init(count: Int, mode: ShuffleMode, seed: UInt64) {
        self.mode = mode
        order = Array(0..<count)
        generator = SeededGenerator(seed: seed &+ 0x5EED)
    }

    /// The next epoch's order.
    public mutating func next() -> [Int] {
        if mode == .everyEpoch || (mode == .once && !drawn) { order.shuffle(using: &generator) }
        drawn = true
        return order
    }
}

/// Mini-batch training with the samples shuffled as ``TrainingOptions/shuffle`` says, like `model.fit`: the last partial
/// batch is kept and counts as a step. Training stops at the first batch whose loss is NaN or infinite, as
/// with Keras's `TerminateOnNaN` (see ``stoppedOnNonFiniteLoss``); the epoch it falls in is not recorded.
public final class Trainer {
    /// The model trained in place.
    public let model: Model
    /// The optimizer that updates the model's parameters.
    public let optimizer: Optimizer
    /// Epochs, batch size, shuffling and early stop.
    public let options: TrainingOptions
    /// Set when ``fit(_:validation:callbacks:onStep:onEpoch:)`` stopped at a batch whose loss was not finite.
    public private(set) var stoppedOnNonFiniteLoss: NonFiniteLoss?

    /// A trainer for `model`; `optimizer` must have been made for the model's parameters.
    public init(model: Model, optimizer: Optimizer, options: TrainingOptions) {
        self.model = model
        self.optimizer = optimizer
        self.options = options
    }

    /// Trains on `data`, evaluating `validation` after each epoch; returns the history. Refuses data that does
    /// not suit the model (see ``Model/check(_:targets:)``) before the first step. `callbacks` hear the run
    /// and may stop it or change the learning rate, as Keras's do; an error one throws ends the run.
    /// Samples from a source other than ``Samples`` have their sizes checked first and their values batch by
    /// batch, as they are read.
    public func fit(_ data: SampleSource, validation: SampleSource? = nil, callbacks: [Callback] = [],
                    onStep: ((StepProgress) -> Void)? = nil, onEpoch: ((EpochRecord) -> Void)? = nil) throws -> [EpochRecord] {
        for source in [data] + (validation.map { [$0] } ?? []) {
            if let samples = source as? Samples { try model.check(samples, targets: true) } else { try model.checkLayout(source, targets: true) }
        }
        let run = TrainingRun(model: model, optimizer: optimizer, epochs: options.epochs, validating: validation != nil)
        for callback in callbacks { try callback.trainingBegan(run) }
        try train(data, validation: validation, run: run, callbacks: callbacks, onStep: onStep, onEpoch: onEpoch)
        for callback in callbacks { try callback.trainingEnded(run) }
        return run.history
    }

    /// The epochs of ``fit(_:validation:callbacks:onStep:onEpoch:)``, into `run`'s history, until the last, a
    /// callback's stop or a batch whose loss is not finite.
    private func train(_ data: SampleSource, validation: SampleSource?, run: TrainingRun, callbacks: [Callback],
                       onStep: ((StepProgress) -> Void)?, onEpoch: ((EpochRecord) -> Void)?) throws {
        let batchSize = max(1, options.batchSize)
        let steps = (data.count + batchSize - 1) / batchSize
        // Each batch's samples, gathered in the epoch's order: the inputs, each output's targets, the weights.
        let arrays = data.arrays
        let checked = data is Samples
        let inputCount = data.inputSizes.count, targetCount = data.targetSizes.count
        var gathered = arrays.map { [Float](repeating: 0, count: batchSize * $0.size) }
        var orders = SampleOrder(count: data.count, mode: options.shuffle, seed: options.seed)
        stoppedOnNonFiniteLoss = nil
        for epoch in 1...max(1, options.epochs) {
            for callback in callbacks { try callback.epochBegan(epoch, run) }
            let order = orders.next()
            let started = Date()
            var totals = BatchResult()
            for step in 0..<steps {
                let start = step * batchSize
                let batch = min(batchSize, data.count - start)
                try order[start..<start + batch].withUnsafeBufferPointer { rows in
                    for (index, array) in arrays.enumerated() {
                        try gathered[index].withUnsafeMutableBufferPointer { try data.gather(array.array, rows: rows, into: $0.baseAddress!) }
                    }
                    if !checked {
                        try withUnsafePointers(to: Array(gathered[..<(inputCount + targetCount)])) {
                            try model.checkValues($0, samples: batch, rows: rows)
                        }
                    }
                }
                let result = withUnsafePointers(to: gathered) { pointers in
                    model.trainingStep(Batch(count: batch, inputs: Array(pointers[..<inputCount]),
                                             targets: Array(pointers[inputCount..<inputCount + targetCount]),
                                             sampleWeights: data.hasSampleWeights ? pointers.last : nil), optimizer: optimizer)
                }
                guard result.loss.isFinite else {
                    stoppedOnNonFiniteLoss = NonFiniteLoss(epoch: epoch, batch: step + 1, batches: steps, loss: result.loss)
                    return
                }
                totals += result
                if onStep != nil || !callbacks.isEmpty {
                    let elapsed = max(Date().timeIntervalSince(started), 1e-9)
                    let progress = StepProgress(epoch: epoch, step: step + 1, steps: steps, scores: model.scores(totals),
                                                samplesPerSecond: Double(totals.samples) / elapsed)
                    onStep?(progress)
                    for callback in callbacks { try callback.batchEnded(progress, run) }
                }
            }
            let trainingSeconds = Date().timeIntervalSince(started)
            // Keras's fit validates in batches of the training's size.
            let evaluation = try validation.map { try model.evaluate($0, batchSize: batchSize) }
            let record = EpochRecord(epoch: epoch, scores: model.scores(totals), validation: evaluation?.scores, seconds: trainingSeconds)
            run.history.append(record)
            onEpoch?(record)
            for callback in callbacks { try callback.epochEnded(record, run) }
            if let target = options.stopAtAccuracy, let accuracy = record.scores["accuracy"], accuracy > target { break }
            if run.stopTraining { break }
        }
    }
}
