import NeuralNet
import Testing

/// A batch whose loss is NaN or infinite ends training, as Keras's TerminateOnNaN does, and takes no optimizer
/// step: the model keeps the weights the batches before it gave.
@Suite struct NonFiniteLossTests {
    static func makeModel() throws -> Model {
        try Sequential(inputShape: [4], layers: [Dense(units: 8), Dense(units: 3, activation: .softmax)],
                       seed: 3, workerCount: 1)
    }

    /// Adam at a high learning rate, batches of 2 in file order.
    static func trainer(_ model: Model, epochs: Int) -> Trainer {
        Trainer(model: model, optimizer: Adam(parameters: model.parameters, learningRate: 0.05),
                options: TrainingOptions(epochs: epochs, batchSize: 2, shuffle: .off))
    }

    @Test func aBatchWithANaNLossStopsTrainingWithoutItsStep() throws {
        var samples = (0..<40).map { Float(($0 * 7) % 11) / 11 }
        samples[5 * 4 + 2] = .nan  // sample 5, in batch 3 of 5
        let data = ClassData(shape: [4], inputs: samples, labels: (0..<10).map { $0 % 3 })
        let model = try Self.makeModel()
        let trainer = Self.trainer(model, epochs: 3)
        let history = try trainer.fit(data.samples(for: model))
        #expect(history.isEmpty, "the epoch it stopped in is not recorded")
        let stop = try #require(trainer.stoppedOnNonFiniteLoss)
        #expect(stop.epoch == 1 && stop.batch == 3 && stop.batches == 5 && stop.loss.isNaN)
        // The same model trained on the two batches before it alone.
        let twin = try Self.makeModel()
        let twinTrainer = Self.trainer(twin, epochs: 1)
        #expect(try twinTrainer.fit(data.samples(for: twin).slice(0..<4)).count == 1 && twinTrainer.stoppedOnNonFiniteLoss == nil)
        #expect(model.parameters.allSatisfy { $0.nonFiniteCount == 0 })
        #expect(model.parameters.map(\.tensor) == twin.parameters.map(\.tensor))
        #expect(trainer.optimizer.iterations == 2)
    }
}
