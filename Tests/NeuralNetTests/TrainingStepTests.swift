import NeuralNet
import Testing

/// `trainingStep`, which computes the Dense layers' gradients inside the optimizer step, against a
/// `trainingPass` (every gradient stored) followed by `optimizer.step()`. The model also has a Dense layer run
/// twice (shared), whose gradients are summed over its two nodes and stored.
@Suite struct TrainingStepTests {
    static func makeModel(workers: Int) throws -> Model {
        let shared = Dense(units: 20, activation: .tanh)
        let layers: [Layer] = [Conv2D(filters: 4, kernelSize: (3, 3), activation: .relu), Flatten(),
                               Dense(units: 40, activation: .relu), Dropout(rate: 0.3), Dense(units: 20, useBias: false),
                               shared, shared, Dense(units: 3, activation: .softmax)]
        let nodes = layers.enumerated().map { index, layer in Node(layer, inputs: [index == 0 ? .input(0) : .node(index - 1)]) }
        return try Model(name: "model", inputShape: [6, 6, 1], nodes: nodes, seed: 5, workerCount: workers)
    }

    static func makeOptimizer(_ kind: String, _ model: Model) -> Optimizer {
        kind == "adam" ? Adam(parameters: model.parameters) : SGD(parameters: model.parameters, learningRate: 0.05, momentum: 0.9)
    }

    /// Parameters and optimizer slots after three steps on the same batch, one way or the other.
    static func train(_ kind: String, workers: Int, deferred: Bool) throws -> [[Float]] {
        let model = try makeModel(workers: workers)
        let optimizer = makeOptimizer(kind, model)
        let data = GradientTests.data(shape: [6, 6, 1], count: 10)
        data.withBatch(for: model) { batch in
            for _ in 0..<3 {
                if deferred {
                    _ = model.trainingStep(batch, optimizer: optimizer)
                } else {
                    _ = model.trainingPass(batch)
                    optimizer.step()
                }
            }
        }
        #expect(optimizer.iterations == 3)
        return model.parameters.map(\.tensor.scalars) + optimizer.slots.map(\.tensor.scalars)
    }

    @Test(arguments: ["adam", "sgd"])
    func twoWorkersMatchToTheBit(optimizer: String) throws {
        let stepped = try Self.train(optimizer, workers: 2, deferred: true)
        let reference = try Self.train(optimizer, workers: 2, deferred: false)
        #expect(stepped.map(\.count) == reference.map(\.count))
        let differing = zip(stepped.joined(), reference.joined()).filter { $0 != $1 }.count
        #expect(differing == 0, "\(differing) weights or optimizer slots differ")
        // The steps did move the weights.
        #expect(stepped[0] != (try Self.makeModel(workers: 2)).parameters[0].tensor.scalars)
    }

    @Test(arguments: ["adam", "sgd"])
    func moreWorkersMatchUpToRounding(optimizer: String) throws {
        let stepped = try Self.train(optimizer, workers: 3, deferred: true)
        let reference = try Self.train(optimizer, workers: 3, deferred: false)
        #expect(stepped.map(\.count) == reference.map(\.count))
        let worst = zip(stepped.joined(), reference.joined()).map { abs($0 - $1) / max(1, abs($1)) }.max() ?? 0
        #expect(worst <= 1e-5)
    }
}
