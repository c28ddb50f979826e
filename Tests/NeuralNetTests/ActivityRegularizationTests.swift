import NeuralNet
import Testing

/// ActivityRegularization: values pass through, and the loss grows by Keras's penalty divided by the batch
/// size, in evaluation as in training (the gradient checks cover its backward pass).
@Suite struct ActivityRegularizationTests {
    static let data = GradientTests.data(shape: [6], count: 50)

    static func model(_ regularization: ActivityRegularization) throws -> Model {
        let model = try Sequential(inputShape: [6], layers: [regularization, Dense(units: 3, activation: .softmax)], seed: 2, workerCount: 2)
        try model.setMetrics([[.accuracy]])
        return model
    }

    @Test func theEvaluationLossAddsThePenaltyPerSample() throws {
        let unregularized = try Self.model(ActivityRegularization())
        let plain = try unregularized.evaluate(Self.data.samples(for: unregularized))
        let l1: Float = 0.01, l2: Float = 0.02
        let penalised = try Self.model(ActivityRegularization(l1: l1, l2: l2))
        let penalty = Self.data.inputs.reduce(0.0) { $0 + Double(l1) * Double(abs($1)) + Double(l2) * Double($1 * $1) }
        let expected = plain.loss + penalty / Double(Self.data.count)
        // Batches of 7 or 128: the penalty is per sample, whatever the batch.
        for batchSize in [7, 128] {
            let evaluation = try penalised.evaluate(Self.data.samples(for: penalised), batchSize: batchSize)
            #expect(abs(evaluation.loss - expected) <= 1e-6 * expected, "batches of \(batchSize): \(evaluation.loss), expected \(expected)")
            #expect(evaluation.scores["accuracy"] == plain.scores["accuracy"] && plain.scores["accuracy"] != nil)
        }
    }

    @Test func predictionsPassThrough() throws {
        let plain = try Self.model(ActivityRegularization()).predict(Self.data.inputs)
        #expect(try Self.model(ActivityRegularization(l1: 1, l2: 1)).predict(Self.data.inputs) == plain)
    }

    @Test func negativeFactorsAreRefused() {
        #expect(throws: ModelError.self) { try Self.model(ActivityRegularization(l1: -0.1)) }
    }
}
