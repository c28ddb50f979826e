import Foundation
import KerasSwift
import TestSupport
import Testing

/// `compile` as Keras takes it: losses and metrics by Keras's names or as values, one loss for every output
/// or one per output; names and counts that cannot work refused before anything changes.
@Suite struct CompileTests {
    /// A model of 3 features with two heads: three class scores and one value.
    static func classAndValue() throws -> KerasModel {
        let nodes = [Node(Dense(units: 5, activation: .tanh, name: "shared"), inputs: [.input(0)]),
                     Node(Dense(units: 3, activation: .softmax, name: "label"), inputs: [.node(0)]),
                     Node(Dense(units: 1, name: "value"), inputs: [.node(0)])]
        return KerasModel(try Model(name: "two_heads", inputs: [Model.Input(name: "features", shape: [3])], nodes: nodes, outputs: [1, 2], seed: 3))
    }

    @Test func lossesAndMetricsAreTakenByKerasNames() throws {
        let (byValue, x, y) = try FitCallbackTests.regression()
        let byName = KerasModel(try Sequential(inputShape: [3], layers: [Dense(units: 6, activation: .tanh), Dense(units: 1)], seed: 4))
        try byName.compile(optimizer: .sgd(learningRate: 0.05), loss: "mse", metrics: ["mae"])
        #expect(byName.losses == [.meanSquaredError])
        let expected = try byValue.evaluate(x: x, y: y), scores = try byName.evaluate(x: x, y: y)
        #expect(scores.loss == expected.loss && scores.scores["mae"] == expected.scores["mae"])
        #expect(try Loss(kerasName: "MeanAbsoluteError") == Loss(.meanAbsoluteError))
        #expect(try Loss(kerasName: "huber_loss") == Loss(.huber) && Loss(kerasName: "KLD") == Loss(.kullbackLeiblerDivergence))
        #expect(throws: KerasNameError.self) { try byName.compile(optimizer: .adam(), loss: "mean_squared_errors") }
        #expect(throws: KerasNameError.self) { try byName.compile(optimizer: .adam(), loss: "mae", metrics: ["r2"]) }
        #expect(byName.losses == [.meanSquaredError] && byName.optimizer?.className == "SGD")
    }

    @Test func eachOutputTakesItsOwnLoss() throws {
        let model = try Self.classAndValue()
        try model.compile(optimizer: .adam(), loss: [.sparseCategoricalCrossentropy, .meanSquaredError], lossWeights: [1, 0.5])
        #expect(model.losses == [.sparseCategoricalCrossentropy, .meanSquaredError])
        let x = try Tensor(shape: [4, 3], scalars: (0..<12).map { Float($0 % 5) / 5 })
        let labels = try Tensor(shape: [4], scalars: [0, 2, 1, 2]), values = try Tensor(shape: [4, 1], scalars: [0.5, -1, 2, 0])
        let evaluation = try model.evaluate(x: x, y: [labels, values])
        let parts = try model.model.predictEach([x.scalars])
        let meanSquared = zip(parts[1], values.scalars).map { Double(($0 - $1) * ($0 - $1)) }.reduce(0, +) / 4
        let crossEntropy = (0..<4).map { -log(Double(parts[0][$0 * 3 + Int(labels.scalars[$0])])) }.reduce(0, +) / 4
        #expect(abs(evaluation.loss - (crossEntropy + 0.5 * meanSquared)) <= 1e-5)
        #expect(throws: ModelError.invalidConfiguration("1 losses for a model with 2 outputs")) {
            try model.compile(optimizer: .adam(), loss: [.meanSquaredError])
        }
        #expect(throws: ModelError.invalidConfiguration("3 loss weights for a model with 2 outputs")) {
            try model.compile(optimizer: .adam(), loss: .meanSquaredError, lossWeights: [1, 1, 1])
        }
        #expect(model.losses == [.sparseCategoricalCrossentropy, .meanSquaredError])
    }
}
