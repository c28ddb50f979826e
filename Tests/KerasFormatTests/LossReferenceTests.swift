import Foundation
import KerasFormat
import NeuralNet
import TestSupport
import Testing

/// Every loss, with each option Keras gives it, against Keras itself (fixtures/keras-losses.json, written by
/// `tools/keras_interop.py loss-reference`): the value, plain and with sample weights, and the gradient with
/// respect to the outputs, on outputs of one row per sample and of two.
@Suite struct LossReferenceTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let loss: Loss
        let shape: [Int]
        let outputs: [Float], targets: [Float], sampleWeights: [Float]
        let plain: (loss: Double, gradient: [Float]), weighted: (loss: Double, gradient: [Float])
        var testDescription: String { "\(name) \(shape)" }
    }

    static let cases: [Case] = {
        guard let data = try? Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("keras-losses.json"))),
              let json = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
              let cases = json["cases"] as? [[String: Any]] else { return [] }
        func floats(_ value: Any?) -> [Float] { (value as? [NSNumber] ?? []).map(\.floatValue) }
        func result(_ value: Any?) -> (Double, [Float]) {
            let object = value as? [String: Any] ?? [:]
            return ((object["loss"] as? NSNumber)?.doubleValue ?? .nan, floats(object["gradient"]))
        }
        return cases.compactMap { item in
            let className = item["class_name"] as? String ?? ""
            let config = item["config"] as? [String: Any] ?? [:]
            guard let kind = Loss.Kind(rawValue: KerasNaming.snakeCase(className)) else { return nil }
            func number(_ key: String, _ fallback: Float) -> Float { (config[key] as? NSNumber)?.floatValue ?? fallback }
            let loss = Loss(kind, fromLogits: config["from_logits"] as? Bool ?? false, labelSmoothing: number("label_smoothing", 0),
                            delta: number("delta", 1), gamma: number("gamma", 2), alpha: number("alpha", 0.25),
                            applyClassBalancing: config["apply_class_balancing"] as? Bool ?? false)
            return Case(name: "\(className) \(config.keys.sorted().map { "\($0)=\(config[$0]!)" }.joined(separator: " "))",
                        loss: loss, shape: (item["shape"] as? [NSNumber] ?? []).map(\.intValue), outputs: floats(item["outputs"]),
                        targets: floats(item["targets"]), sampleWeights: floats(item["sample_weights"]),
                        plain: result(item["plain"]), weighted: result(item["weighted"]))
        }
    }()

    @Test func theReferenceHasEveryLoss() {
        #expect(Set(Self.cases.map(\.loss.kind)) == Set(Loss.Kind.allCases))
    }

    @Test(arguments: cases)
    func lossAndGradientAreKeras(_ item: Case) throws {
        let targetShape = item.loss.takesClassIndices ? Array(item.shape.dropLast()) : item.shape
        let outputs = try Tensor(shape: item.shape, scalars: item.outputs), targets = try Tensor(shape: targetShape, scalars: item.targets)
        for (weights, expected) in [(nil as [Float]?, item.plain), (item.sampleWeights, item.weighted)] {
            let (loss, gradient) = try item.loss(targets: targets, outputs: outputs, sampleWeights: weights)
            let label = weights == nil ? "plain" : "weighted"
            #expect(abs(loss - expected.loss) <= 1e-5 * max(1, abs(expected.loss)), "\(label) loss \(loss), Keras \(expected.loss)")
            let scale = max(1, expected.gradient.map(abs).max() ?? 0)
            let gap = zip(gradient.scalars, expected.gradient).map { abs($0 - $1) }.max() ?? .infinity
            #expect(gradient.count == expected.gradient.count && gap <= 1e-5 * scale, "\(label) gradient differs by \(gap)")
        }
    }
}
