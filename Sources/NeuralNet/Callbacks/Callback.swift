/// Something that follows a training run and may steer it, as Keras's `keras.callbacks.Callback`: it hears
/// the run begin and end, each epoch begin and end (with the epoch's figures) and each batch end (with the
/// figures so far). Every method does nothing unless a callback implements it; an error thrown from one ends
/// the run and reaches the caller of `fit`.
///
/// Epochs are numbered from 1 here, as ``EpochRecord/epoch`` numbers them (Keras's callbacks count from 0).
public protocol Callback: AnyObject {
    /// Before the first epoch.
    func trainingBegan(_ run: TrainingRun) throws
    /// Before epoch `epoch`'s first batch.
    func epochBegan(_ epoch: Int, _ run: TrainingRun) throws
    /// After each batch's optimizer step.
    func batchEnded(_ progress: StepProgress, _ run: TrainingRun) throws
    /// After each epoch and its validation, with the figures Keras's `logs` hold.
    func epochEnded(_ record: EpochRecord, _ run: TrainingRun) throws
    /// After the last epoch, or when the run stopped early.
    func trainingEnded(_ run: TrainingRun) throws
}

extension Callback {
    public func trainingBegan(_ run: TrainingRun) throws {}
    public func epochBegan(_ epoch: Int, _ run: TrainingRun) throws {}
    public func batchEnded(_ progress: StepProgress, _ run: TrainingRun) throws {}
    public func epochEnded(_ record: EpochRecord, _ run: TrainingRun) throws {}
    public func trainingEnded(_ run: TrainingRun) throws {}
}

/// What a callback sees of a training run and may change, as Keras's callbacks reach it through `self.model`.
public final class TrainingRun {
    /// The model being trained.
    public let model: Model
    /// The optimizer stepping it; its ``Optimizer/learningRate`` may be changed between steps.
    public let optimizer: Optimizer
    /// The epochs the run was asked for.
    public let epochs: Int
    /// The names each epoch's logs hold: the training figures, then with validation data the same after `val_`.
    public let logNames: [String]
    /// Set to end the run after the current epoch, as Keras's `model.stop_training`.
    public var stopTraining = false
    /// The epochs finished so far.
    public internal(set) var history: [EpochRecord] = []

    /// A run of `epochs` epochs of `model` stepped by `optimizer`, with validation figures when `validating`
    /// (``Trainer`` makes one per `fit`; a training loop of one's own may drive callbacks through one too).
    public init(model: Model, optimizer: Optimizer, epochs: Int, validating: Bool) {
        self.model = model
        self.optimizer = optimizer
        self.epochs = epochs
        let names = model.scores(BatchResult()).names
        logNames = names + (validating ? names.map { "val_" + $0 } : [])
    }

    /// Whether larger values of `monitor`'s figure are better (see ``Monitor/largerIsBetter(for:)``), once it
    /// is known to be in the logs; throws naming what the logs hold, for `callback`.
    public func largerIsBetter(_ monitor: Monitor, for callback: String) throws -> Bool {
        guard logNames.contains(monitor.name) else {
            throw CallbackError("\(callback) watches \(monitor.name), which the run does not report (it reports "
                                + logNames.joined(separator: ", ") + (monitor.name.hasPrefix("val_") ? "; val_ figures need validation data)" : ")"))
        }
        return try monitor.largerIsBetter(for: model)
    }
}

/// Calls the closures it is given, as Keras's `LambdaCallback` does: per batch, per epoch, at the end.
public final class LambdaCallback: Callback {
    private let onBatch: ((StepProgress, TrainingRun) throws -> Void)?
    private let onEpoch: ((EpochRecord, TrainingRun) throws -> Void)?
    private let onEnd: ((TrainingRun) throws -> Void)?

    /// A callback that calls `onBatch` after each batch, `onEpoch` after each epoch and `onEnd` after the run.
    public init(onBatch: ((StepProgress, TrainingRun) throws -> Void)? = nil, onEpoch: ((EpochRecord, TrainingRun) throws -> Void)? = nil,
                onEnd: ((TrainingRun) throws -> Void)? = nil) {
        self.onBatch = onBatch
        self.onEpoch = onEpoch
        self.onEnd = onEnd
    }

    public func batchEnded(_ progress: StepProgress, _ run: TrainingRun) throws { try onBatch?(progress, run) }
    public func epochEnded(_ record: EpochRecord, _ run: TrainingRun) throws { try onEpoch?(record, run) }
    public func trainingEnded(_ run: TrainingRun) throws { try onEnd?(run) }
}
