import Foundation
import KerasSwift
import TestSupport
import Testing

/// `fit` with Keras's other arguments: a validation split, class weights and callbacks, each doing what Keras's
/// does; and settings that cannot work refused before the first step.
@Suite struct FitCallbackTests {
    /// A regression net of 3 features compiled with mse and mae, and 20 samples for it.
    static func regression() throws -> (KerasModel, Tensor, Tensor) {
        let model = KerasModel(try Sequential(inputShape: [3], layers: [Dense(units: 6, activation: .tanh), Dense(units: 1)], seed: 4))
        try model.compile(optimizer: .sgd(learningRate: 0.05), loss: .meanSquaredError, metrics: [try Metric(kerasName: "mae")])
        let x = try Tensor(shape: [20, 3], scalars: (0..<60).map { Float($0 % 7) / 7 - 0.5 })
        let y = try Tensor(shape: [20, 1], scalars: (0..<20).map { Float($0 % 4) / 4 })
        return (model, x, y)
    }

    @Test func aValidationSplitHoldsOutTheLastSamplesAsKerasDoes() throws {
        let (model, x, y) = try Self.regression()
        let history = try model.fit(x: x, y: y, epochs: 1, batchSize: 4, validationSplit: 0.3, shuffle: .off)
        // floor(20 × 0.7) = 14 samples train, the last 6 validate.
        let expected = try model.evaluate(x: Tensor(shape: [6, 3], scalars: Array(x.scalars[42...])), y: Tensor(shape: [6, 1], scalars: Array(y.scalars[14...])))
        #expect(abs(history.validationLoss[0] - expected.loss) <= 1e-9)
        #expect(history["val_mae"].count == 1)
        #expect(throws: SamplesError.validationSplit(samples: 20, fraction: 0.99)) { try model.fit(x: x, y: y, validationSplit: 0.99) }
    }

    @Test func classWeightsWeighEachSampleByItsClass() throws {
        let model = KerasModel(try Sequential(inputShape: [3], layers: [Dense(units: 3, activation: .softmax)], seed: 2))
        try model.compile(optimizer: .sgd(learningRate: 0.1))
        let x = try Tensor(shape: [6, 3], scalars: (0..<18).map { Float($0 % 5) / 5 })
        let labels = [0, 1, 2, 0, 1, 2]
        let weighted = try model.model.evaluate(try model.model.samples(inputs: [x], targets: [Tensor(shape: [6], scalars: labels.map(Float.init))],
                                                                        sampleWeights: labels.map { [0: 2, 1: 1, 2: 0.5][$0]! }))
        let copy = KerasModel(try Sequential(inputShape: [3], layers: [Dense(units: 3, activation: .softmax)], seed: 2))
        try copy.compile(optimizer: .sgd(learningRate: 0.1))
        let history = try copy.fit(x: x, y: labels, epochs: 1, batchSize: 6, classWeight: [0: 2, 2: 0.5], shuffle: .off)
        #expect(abs(history.loss[0] - weighted.loss) <= 1e-6)
        #expect(throws: SamplesError.classWeight("class 1's weight is -1.0; weights must be finite and 0 or more")) {
            try copy.fit(x: x, y: labels, classWeight: [1: -1])
        }
    }

    @Test func earlyStoppingStopsAndRestoresTheBestWeights() throws {
        let (model, x, y) = try Self.regression()
        // A rate too high to settle: the validation loss soon stops improving.
        try model.compile(optimizer: .sgd(learningRate: 3), loss: .meanSquaredError)
        let stopping = EarlyStopping(patience: 1, restoreBestWeights: true)
        var weights: [[Tensor]] = []
        let history = try model.fit(x: x, y: y, epochs: 30, batchSize: 4, validationSplit: 0.25, shuffle: .off,
                                    callbacks: [stopping, LambdaCallback(onEpoch: { _, run in weights.append(run.model.getWeights()) })])
        let stopped = try #require(stopping.stoppedEpoch)
        #expect(history.epochs.count == stopped && stopped < 30)
        let best = try #require(stopping.bestEpoch)
        #expect(history.validationLoss[best - 1] == history.validationLoss.min())
        #expect(model.model.getWeights().map(\.scalars) == weights[best - 1].map(\.scalars))
    }

    @Test func checkpointsSchedulesAndLogsFollowTheRun() throws {
        let (model, x, y) = try Self.regression()
        let folder = try TemporaryFolder()
        let checkpoint = try ModelCheckpoint(folder.path("ck-{epoch:02d}-{val_loss:.3f}.keras"))
        let log = CSVLogger(folder.path("log.csv"))
        var rates: [Float] = []
        let schedule = LearningRateScheduler { epoch, rate in epoch == 0 ? rate : rate / 2 }
        let history = try model.fit(x: x, y: y, epochs: 3, batchSize: 5, validationSplit: 0.25,
                                    callbacks: [schedule, checkpoint, log, LambdaCallback(onEpoch: { _, run in rates.append(run.optimizer.learningRate) })])
        #expect(rates == [0.05, 0.025, 0.0125])
        #expect(checkpoint.saved.count == 3)
        let last = try KerasModel.load(checkpoint.saved[2])
        #expect(checkpoint.saved[0].hasSuffix(String(format: "ck-01-%.3f.keras", history.validationLoss[0])))
        #expect(last.optimizer?.learningRate == 0.0125)
        let lines = try String(contentsOfFile: folder.path("log.csv"), encoding: .utf8).split(separator: "\n")
        #expect(lines.first == "epoch,loss,mae,val_loss,val_mae" && lines.count == 4 && lines[3].hasPrefix("2,"))
    }

    @Test func callbackSettingsThatCannotWorkAreRefused() throws {
        let (model, x, y) = try Self.regression()
        let noValidation = #expect(throws: CallbackError.self) { try model.fit(x: x, y: y, callbacks: [EarlyStopping()]) }
        #expect("\(noValidation!)".contains("EarlyStopping watches val_loss, which the run does not report (it reports loss, mae; val_ figures need validation data)"))
        #expect(throws: CallbackError.self) { try ModelCheckpoint("model.weights.h5") }
        #expect(throws: CallbackError.self) { try ReduceLROnPlateau(factor: 1) }
        let unknownField = #expect(throws: CallbackError.self) {
            try model.fit(x: x, y: y, validationSplit: 0.5, callbacks: [try ModelCheckpoint("ck-{accuracy}.keras")])
        }
        #expect("\(unknownField!)".contains("{accuracy} is neither epoch nor a figure of the logs"))
        let count = try Metric(kerasName: "TruePositives")
        try model.compile(optimizer: .sgd(), loss: .meanSquaredError, metrics: [count])
        #expect(throws: CallbackError("cannot tell whether TruePositives should go up or down: give the mode (min or max)")) {
            try model.fit(x: x, y: y, callbacks: [EarlyStopping(monitor: "TruePositives")])
        }
    }
}
