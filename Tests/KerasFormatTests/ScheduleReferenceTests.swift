import Foundation
import KerasFormat
import NeuralNet
import TestSupport
import Testing

/// Learning-rate schedules against Keras's own (fixtures/keras-callbacks.json, written by
/// `tools/keras_interop.py callback-reference`): read from an optimizer config as Keras serialises them, each
/// gives Keras's rate at every step, and the config this project writes reads back as the same schedule.
@Suite struct ScheduleReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let schedule: String
        let rates: [Double]
        var testDescription: String { schedule }
    }

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("keras-callbacks.json"))),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let schedules = json["schedules"] as? [[String: Any]] else { return [] }
        return schedules.compactMap { item in
            guard let schedule = item["schedule"], let text = try? JSONSerialization.data(withJSONObject: schedule, options: [.sortedKeys]) else { return nil }
            return Case(schedule: String(decoding: text, as: UTF8.self), rates: (item["rates"] as? [NSNumber] ?? []).map(\.doubleValue))
        }
    }()

    @Test func everyScheduleClassIsInTheReference() {
        let classes = Set(Self.cases.compactMap { $0.schedule.components(separatedBy: "\"class_name\":\"").last?.components(separatedBy: "\"").first })
        #expect(classes == ["ExponentialDecay", "InverseTimeDecay", "PiecewiseConstantDecay", "CosineDecay"])
    }

    @Test(arguments: cases)
    func ratesAreKerassAndTheConfigRoundTrips(_ reference: Case) throws {
        let model = try Sequential(inputShape: [2], layers: [Dense(units: 1)])
        let entry = try JSONParser.parse("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": \(reference.schedule)}}")
        var notices: [Notice] = []
        let optimizer = try #require(try OptimizerState.fresh(entry, for: model, file: "config", notices: &notices))
        let schedule = try #require(optimizer.learningRateSchedule)
        // Float32 arithmetic as Keras's, within a few units in the last place of the largest rate (a cosine near
        // its end cancels: 1 + cos x loses the digits of cos x, in TensorFlow's float32 cos and in cosf alike).
        let largest = reference.rates.max() ?? 0
        for (step, rate) in reference.rates.enumerated() {
            let ours = Double(schedule.rate(atStep: Int64(step)))
            #expect(abs(ours - rate) <= 2e-7 * largest, "step \(step): \(ours), Keras \(rate)")
        }
        for flavour in [KerasFlavour.keras3, .keras2] {
            let written = JSONValue.object(JSONObject([("class_name", .string("SGD")),
                                                       ("config", .object(ConfigWriter.optimizerConfig(optimizer, flavour: flavour)))]))
            let reread = try #require(try OptimizerState.fresh(written, for: model, file: "written", notices: &notices))
            #expect(reread.learningRateSchedule == schedule)
        }
        #expect(notices.isEmpty)
    }

    @Test func schedulesThisProjectDoesNotHaveAreNamed() throws {
        let model = try Sequential(inputShape: [2], layers: [Dense(units: 1)])
        var notices: [Notice] = []
        let entry = try JSONParser.parse("{\"class_name\": \"Adam\", \"config\": {\"learning_rate\": {\"class_name\": \"PolynomialDecay\", \"config\": {}}}}")
        #expect(try OptimizerState.fresh(entry, for: model, file: "config", notices: &notices) == nil)
        #expect(notices == [.optimizerNotSupported("Adam with learning-rate schedule PolynomialDecay")])
        let broken = try JSONParser.parse("{\"class_name\": \"SGD\", \"config\": {\"learning_rate\": {\"class_name\": \"ExponentialDecay\", \"config\": {\"initial_learning_rate\": 0.1, \"decay_steps\": 0, \"decay_rate\": 0.5}}}}")
        #expect(throws: KerasFormatError.self) { try OptimizerState.fresh(broken, for: model, file: "config", notices: &notices) }
    }
}
