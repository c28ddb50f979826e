import Foundation
import NeuralNet
import TestSupport
import Testing

/// Every optimizer step for step against Keras's own (fixtures/keras-optimizers.json, written by
/// `tools/keras_interop.py optimizer-reference`).
@Suite struct OptimizerTests {
    static func reference() throws -> [String: Any] {
        let data = try Data(contentsOf: URL(fileURLWithPath: SharedData.fixture("keras-optimizers.json")))
        return try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
    }

    static func floats(_ value: Any?) -> [Float] { (value as? [NSNumber])?.map(\.floatValue) ?? [] }

    @Test(arguments: ["sgd", "sgd_momentum", "sgd_nesterov", "adam", "adam_custom", "adam_amsgrad", "adamw", "nadam", "rmsprop",
                      "rmsprop_momentum_centered"])
    func stepsMatchKeras(name: String) throws {
        let reference = try Self.reference()
        let expected = try #require(reference[name] as? [String: Any])
        let config = try #require(expected["config"] as? [String: Any])
        func setting(_ key: String, _ fallback: Float) -> Float { (config[key] as? NSNumber)?.floatValue ?? fallback }
        func flag(_ key: String) -> Bool { config[key] as? Bool ?? false }
        let parameter = Parameter(name: "kernel", try Tensor(shape: [6], scalars: Self.floats(reference["initial"])))
        let learningRate = setting("learning_rate", name.hasPrefix("sgd") ? 0.01 : 0.001)
        let optimizer: Optimizer
        switch expected["class_name"] as? String {
        case "SGD": optimizer = SGD(parameters: [parameter], learningRate: learningRate, momentum: setting("momentum", 0), nesterov: flag("nesterov"))
        case "AdamW":
            optimizer = Adam.adamW(parameters: [parameter], learningRate: learningRate, weightDecay: setting("weight_decay", 0.004))
        case "Nadam": optimizer = Nadam(parameters: [parameter], learningRate: learningRate)
        case "RMSprop":
            optimizer = RMSprop(parameters: [parameter], learningRate: learningRate, rho: setting("rho", 0.9), momentum: setting("momentum", 0),
                                centered: flag("centered"))
        default:
            optimizer = Adam(parameters: [parameter], learningRate: learningRate, beta1: setting("beta_1", 0.9), beta2: setting("beta_2", 0.999),
                             epsilon: setting("epsilon", 1e-7), amsgrad: flag("amsgrad"))
        }
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
            for (a, b) in zip(slot.tensor.scalars, theirs) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(name) \(slot.name)") }
        }
        if let nadam = optimizer as? Nadam {
            let product = try #require((expected["scalars"] as? [NSNumber])?.first?.floatValue)
            #expect(abs(nadam.momentumProduct - product) <= 1e-6, "Nadam's momentum schedule product \(nadam.momentumProduct) vs Keras \(product)")
            nadam.recomputeMomentumProduct()
            #expect(abs(nadam.momentumProduct - product) <= 1e-6, "recomputed from the step count")
        }
    }
}

/// Nadam's running momentum product, recomputed from a step count read from a file: the same as the steps
/// give it, in time that does not grow with the count.
@Suite struct NadamRecomputationTests {
    @Test func theProductRecomputedEqualsTheStepsAndEndsForAnyCount() {
        let parameter = Parameter(name: "w", shape: [1])
        for beta1 in [Float(0.9), 0.999999] {
            let stepped = Nadam(parameters: [parameter], beta1: beta1)
            for _ in 0..<3_000 {
                stepped.prepareStep()
                stepped.iterations += 1
            }
            let recomputed = Nadam(parameters: [parameter], beta1: beta1)
            recomputed.iterations = 3_000
            recomputed.recomputeMomentumProduct()
            #expect(recomputed.momentumProduct == stepped.momentumProduct, "beta_1 \(beta1)")
        }
        // 2^53 steps (as many as a file may count): one step at a time this took months.
        let far = Nadam(parameters: [parameter])
        far.iterations = 1 << 53
        far.recomputeMomentumProduct()
        #expect(far.momentumProduct == 0)
        let slow = Nadam(parameters: [parameter], beta1: 0.999999)
        slow.iterations = 1 << 53
        slow.recomputeMomentumProduct()
        #expect(slow.momentumProduct == 0)
    }
}
