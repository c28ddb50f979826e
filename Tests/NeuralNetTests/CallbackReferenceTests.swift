import Foundation
import NeuralNet
import TestSupport
import Testing

/// EarlyStopping and ReduceLROnPlateau against Keras's own, fed the same epoch figures
/// (fixtures/keras-callbacks.json, written by `tools/keras_interop.py callback-reference`): each stops after
/// the same epoch, restores the same epoch's weights and leaves the same learning rate after every epoch.
@Suite struct CallbackReferenceTests {
    struct Case: Decodable, CustomTestStringConvertible, Sendable {
        let history: String
        let values: [Double]
        let callback: String
        let options: [String: Double]
        let stopped: Int?
        let weightsOfEpoch: Double
        let learningRates: [Double]
        var testDescription: String { "\(callback) \(options) on \(history)" }

        /// The options that name the watched figure and the mode, read apart from the numbers.
        enum CodingKeys: String, CodingKey { case history, values, callback, options, stopped, weightsOfEpoch = "weights_of_epoch", learningRates = "learning_rates" }
        init(from decoder: Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            history = try container.decode(String.self, forKey: .history)
            values = try container.decode([Double].self, forKey: .values)
            callback = try container.decode(String.self, forKey: .callback)
            let raw = try container.decode([String: Setting].self, forKey: .options)
            options = raw.compactMapValues(\.number)
            texts = raw.compactMapValues(\.text)
            stopped = try container.decodeIfPresent(Int.self, forKey: .stopped)
            weightsOfEpoch = try container.decode(Double.self, forKey: .weightsOfEpoch)
            learningRates = try container.decode([Double].self, forKey: .learningRates)
        }
        let texts: [String: String]
    }

    /// A number, a flag (as 0 or 1) or a name among a callback's options.
    enum Setting: Decodable {
        case number(Double), text(String)
        init(from decoder: Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let flag = try? container.decode(Bool.self) { self = .number(flag ? 1 : 0) } else if let value = try? container.decode(Double.self) {
                self = .number(value)
            } else { self = .text(try container.decode(String.self)) }
        }
        var number: Double? { if case .number(let value) = self { return value } else { return nil } }
        var text: String? { if case .text(let value) = self { return value } else { return nil } }
    }

    /// The fixture's callback cases (its schedules are read by the optimizer-config tests).
    struct File: Decodable { let cases: [Case] }

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("keras-callbacks.json"))),
              let file = try? JSONDecoder().decode(File.self, from: data) else { return [] }
        return file.cases
    }()

    @Test func theReferenceIsRead() { #expect(Self.cases.count == 36) }

    @Test(arguments: cases)
    func stopsAndRatesAsKeras(_ reference: Case) throws {
        let model = try Sequential(inputShape: [1], layers: [Dense(units: 1)], seed: 1)
        model.loss = .meanSquaredError
        try model.setMetrics([[.accuracy]])
        let optimizer = SGD(parameters: model.parameters, learningRate: 0.1)
        let run = TrainingRun(model: model, optimizer: optimizer, epochs: reference.values.count, validating: true)
        let monitor = reference.texts["monitor"] ?? "val_loss"
        let mode = Monitor.Mode(rawValue: reference.texts["mode"] ?? "auto")!
        let o = reference.options
        let callback: Callback
        if reference.callback == "EarlyStopping" {
            callback = EarlyStopping(monitor: monitor, minDelta: o["min_delta"] ?? 0, patience: Int(o["patience"] ?? 0), mode: mode,
                                     baseline: o["baseline"], restoreBestWeights: o["restore_best_weights"] == 1,
                                     startFromEpoch: Int(o["start_from_epoch"] ?? 0))
        } else {
            callback = try ReduceLROnPlateau(monitor: monitor, factor: o["factor"] ?? 0.1, patience: Int(o["patience"] ?? 10), mode: mode,
                                             minDelta: o["min_delta"] ?? 1e-4, cooldown: Int(o["cooldown"] ?? 0), minLearningRate: o["min_lr"] ?? 0)
        }
        try callback.trainingBegan(run)
        var rates: [Double] = [], stopped: Int?
        for (index, value) in reference.values.enumerated() {
            // Each epoch's weights are its number, so the restored ones name their epoch.
            try model.setWeights([Tensor(shape: [1, 1], scalars: [Float(index + 1)]), Tensor(shape: [1], scalars: [0])])
            let record = EpochRecord(epoch: index + 1, scores: Scores([("loss", value + 0.1), ("accuracy", 1 - value)]),
                                     validation: Scores([("loss", value), ("accuracy", value)]), seconds: 0)
            try callback.epochEnded(record, run)
            rates.append(Double(optimizer.learningRate))
            if run.stopTraining {
                stopped = index + 1
                break
            }
        }
        try callback.trainingEnded(run)
        #expect(stopped == reference.stopped)
        #expect(Double(model.getWeights()[0].scalars[0]) == reference.weightsOfEpoch)
        #expect(rates.count == reference.learningRates.count)
        for (ours, theirs) in zip(rates, reference.learningRates) { #expect(abs(ours - theirs) <= 1e-7 * theirs, "\(rates) vs \(reference.learningRates)") }
    }
}
