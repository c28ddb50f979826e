import Foundation
import NeuralNet
import Testing

/// The losses as Keras computes them.
@Suite struct LossTests {
    @Test func softmaxOutputsUseTheLogits() throws {
        // Identity Dense with softmax: logits = input. Loss = logsumexp(z) - z_label.
        let layer = Dense(units: 3, activation: .softmax)
        let model = try Sequential(inputShape: [3], layers: [layer])
        try model.setMetrics([[.accuracy]])
        try layer.kernel.assign(try Tensor(shape: [3, 3], scalars: [1, 0, 0, 0, 1, 0, 0, 0, 1]))
        let logits: [Float] = [1, 2, 3, 100, 0, -100]
        let data = ClassData(shape: [3], inputs: logits, labels: [2, 2])
        let result = try model.evaluate(data.samples(for: model))
        let first = log(exp(1.0) + exp(2.0) + exp(3.0)) - 3
        let second = 100 - -100.0 + log(1 + exp(-100.0) + exp(-200.0))
        #expect(abs(result.loss - (first + second) / 2) < 1e-5)
        #expect(result.scores["accuracy"] == 0.5)
    }

    /// Outputs no softmax made, taken as probabilities as Keras 3 takes them on TensorFlow: categorical
    /// cross-entropy normalises them to sum 1 and clips them to [1e-7, 1 - 1e-7]; the sparse one clips them
    /// unnormalised and takes their logs as logits, `log(sum q) - log(q[label])`.
    @Test func otherOutputsAreClippedAsKerasClipsThem() throws {
        let data = ClassData(shape: [2], inputs: [1, 3, 0, 5], labels: [0, 0])
        let epsilon = Double(Float(1e-7)), high = Double(Float(1) - Float(1e-7))
        let sparse = try Self.identityModel(.linear, loss: .sparseCategoricalCrossentropy)
        let expectedSparse = ((log(2 * high) - log(high)) + (log(epsilon + high) - log(epsilon))) / 2
        #expect(abs(try sparse.evaluate(data.samples(for: sparse)).loss - expectedSparse) < 1e-5)
        let categorical = try Self.identityModel(.linear, loss: Loss(.categoricalCrossentropy))
        let expectedCategorical = (-log(0.25) + -log(epsilon)) / 2
        #expect(abs(try categorical.evaluate(data.samples(for: categorical)).loss - expectedCategorical) < 1e-5)
    }

    /// An identity Dense layer with `activation`, so the model's logits are its inputs.
    static func identityModel(_ activation: Activation, loss: Loss) throws -> Model {
        let layer = Dense(units: 2, activation: activation)
        let model = try Sequential(inputShape: [2], layers: [layer])
        try layer.kernel.assign(try Tensor(shape: [2, 2], scalars: [1, 0, 0, 1]))
        model.loss = loss
        return model
    }

    @Test func binaryCrossEntropyAveragesOverTheOutputs() throws {
        // One-hot target [0, 1]; logits (2, -1): mean of softplus(2) and softplus(1) (= -log sigmoid(-1)).
        let data = ClassData(shape: [2], inputs: [2, -1], labels: [1])
        let expected = (log(1 + exp(2.0)) + log(1 + exp(1.0))) / 2
        for (activation, loss) in [(Activation.sigmoid, Loss(.binaryCrossentropy)), (.linear, Loss(.binaryCrossentropy, fromLogits: true))] {
            let model = try Self.identityModel(activation, loss: loss)
            #expect(abs(try model.evaluate(data.samples(for: model)).loss - expected) < 1e-5, "\(loss) after \(activation)")
        }
        // On probabilities that no sigmoid made, they are clipped: p = (0.25, 0.5).
        let clipped = try Self.identityModel(.linear, loss: Loss(.binaryCrossentropy))
        let probabilities = ClassData(shape: [2], inputs: [0.25, 0.5], labels: [1])
        #expect(abs(try clipped.evaluate(probabilities.samples(for: clipped)).loss - (-log(0.75) - log(0.5)) / 2) < 1e-6)
    }

    @Test func meanSquaredErrorComparesTheOutputsWithTheOneHotLabel() throws {
        let model = try Self.identityModel(.linear, loss: Loss(.meanSquaredError))
        let data = ClassData(shape: [2], inputs: [0.5, 3], labels: [0])
        #expect(abs(try model.evaluate(data.samples(for: model)).loss - (0.25 + 9) / 2) < 1e-6)
        // After a softmax the loss sees probabilities, not logits: the output layer keeps its softmax.
        let softmax = try Self.identityModel(.softmax, loss: Loss(.meanSquaredError))
        let p = 1 / (1 + exp(-2.5))
        #expect(abs(try softmax.evaluate(data.samples(for: softmax)).loss - (pow(1 - (1 - p), 2) + pow(p, 2)) / 2) < 1e-6)
        #expect(abs(try softmax.predict([0.5, 3])[1] - Float(p)) < 1e-6)
    }

    @Test func fromLogitsKeepsTheLogitsAsOutputs() throws {
        let model = try Self.identityModel(.linear, loss: Loss(.categoricalCrossentropy, fromLogits: true))
        let data = ClassData(shape: [2], inputs: [1, 3], labels: [1])
        #expect(abs(try model.evaluate(data.samples(for: model)).loss - (log(exp(1.0) + exp(3.0)) - 3)) < 1e-5)
        #expect(try model.predict([1, 3]) == [1, 3])
    }
}
