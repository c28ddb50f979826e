import Foundation
import NeuralNet
import TestSupport
import Testing

/// SGD and Adam step for step against Keras's own optimizers (fixtures/keras-optimizers.json, written by
/// `tools/keras_interop.py optimizer-reference`).
@Suite struct OptimizerTests {
    static func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("keras-optimizers.json")))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func floats(_ value: Any?) -> [Float] { (value as? [NSNumber])?.map(\.floatValue) ?? [] }

    @Test(arguments: ["sgd", "sgd_momentum", "sgd_nesterov", "adam", "adam_custom"])
    func stepsMatchKeras(name: String) throws {
        let reference = try Self.reference()
        let expected = try #require(reference[name] as? [String: Any])
        let config = try #require(expected["config"] as? [String: Any])
        func setting(_ key: String, _ fallback: Float) -> Float { (config[key] as? NSNumber)?.floatValue ?? fallback }
        let parameter = Parameter(name: "kernel", Tensor(shape: [6], scalars: Self.floats(reference["initial"])))
        let optimizer: Optimizer = name.hasPrefix("sgd")
            ? SGD(parameters: [parameter], learningRate: setting("learning_rate", 0.01), momentum: setting("momentum", 0),
                  nesterov: config["nesterov"] as? Bool ?? false)
            : Adam(parameters: [parameter], learningRate: setting("learning_rate", 0.001), beta1: setting("beta_1", 0.9),
                   beta2: setting("beta_2", 0.999), epsilon: setting("epsilon", 1e-7))
        let gradients = (reference["gradients"] as? [Any] ?? []).map(Self.floats)
        let steps = (expected["steps"] as? [Any] ?? []).map(Self.floats)
        #expect(gradients.count == 5 && steps.count == 5)
        for (step, gradient) in gradients.enumerated() {
            gradient.withUnsafeBufferPointer { parameter.gradient.update(from: $0.baseAddress!, count: 6) }
            optimizer.step()
            for (ours, theirs) in zip(parameter.tensor.scalars, steps[step]) {
                #expect(abs(ours - theirs) <= 1e-6 * max(1, abs(theirs)), "\(name) step \(step + 1): \(ours) vs Keras \(theirs)")
            }
        }
        #expect(optimizer.iterations == (expected["iterations"] as? NSNumber)?.int64Value)
        let slots = (expected["slots"] as? [Any] ?? []).map(Self.floats)
        #expect(optimizer.slots.count == slots.count)
        for (slot, theirs) in zip(optimizer.slots, slots) {
            for (a, b) in zip(slot.tensor.scalars, theirs) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b))) }
        }
    }
}
