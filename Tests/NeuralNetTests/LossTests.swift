import Foundation
import NeuralNet
import Testing

/// Sparse categorical cross-entropy as Keras computes it.
@Suite struct LossTests {
    @Test func softmaxOutputsUseTheLogits() throws {
        // Identity Dense with softmax: logits = input. Loss = logsumexp(z) - z_label.
        let layer = Dense(units: 3, activation: .softmax)
        let model = try Sequential(inputShape: [3], layers: [layer])
        try layer.kernel.assign(Tensor(shape: [3, 3], scalars: [1, 0, 0, 0, 1, 0, 0, 0, 1]))
        let logits: [Float] = [1, 2, 3, 100, 0, -100]
        let data = LabeledSamples(sampleShape: [3], samples: logits, labels: [2, 2])
        let result = model.evaluate(data)
        let first = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3
        let second = 100 - -100.0 + log(1 + exp(-100.0) + exp(-200.0))
        #expect(abs(result.loss - (first + second) / 2) < 1e-5)
        #expect(result.accuracy == 0.5)
    }

    @Test func otherOutputsAreNormalisedAndClipped() throws {
        // A linear output taken as probabilities: p / sum(p), clipped to [1e-7, 1 - 1e-7].
        let layer = Dense(units: 2)
        let model = try Sequential(inputShape: [2], layers: [layer])
        try layer.kernel.assign(Tensor(shape: [2, 2], scalars: [1, 0, 0, 1]))
        let data = LabeledSamples(sampleShape: [2], samples: [1, 3, 0, 5], labels: [0, 0])
        let result = model.evaluate(data)
        let expected = (-log(0.25) + -log(Double(Float(1e-7)))) / 2
        #expect(abs(result.loss - expected) < 1e-5)
    }
}
