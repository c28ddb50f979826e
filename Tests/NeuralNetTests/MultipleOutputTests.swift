import Foundation
import NeuralNet
import Testing

/// A model with several outputs, as `keras.Model(inputs, [a, b])`: each output predicted, and evaluated
/// against the labels with its own loss, the total being each loss times its weight.
@Suite struct MultipleOutputTests {
    /// Two heads on one trunk: logits (node 2), and probabilities of a softmax head that also feeds a third
    /// Dense layer (node 3), whose softmax output (node 4) is the last output.
    static func makeModel() throws -> Model {
        let nodes = [Node(Dense(units: 6, activation: .tanh, name: "trunk"), inputs: [.input(0)]),
                     Node(Dense(units: 5, activation: .relu, name: "hidden"), inputs: [.node(0)]),
                     Node(Dense(units: 3, name: "logits"), inputs: [.node(1)]),
                     Node(Dense(units: 3, activation: .softmax, name: "probabilities"), inputs: [.node(0)]),
                     Node(Dense(units: 3, activation: .softmax, name: "refined"), inputs: [.node(3)])]
        let model = try Model(name: "heads", inputShape: [4], nodes: nodes, outputs: [2, 3, 4], seed: 9)
        try model.setLosses([Loss(.sparseCategoricalCrossentropy, fromLogits: true), .sparseCategoricalCrossentropy, .sparseCategoricalCrossentropy],
                            weights: [1, 0.5, 2])
        try model.setMetrics([[.accuracy], [.accuracy], [.accuracy]])
        return model
    }

    @Test func lossesWeightsAndMetricsThatDoNotFitTheOutputsAreRefusedChangingNothing() throws {
        let model = try Self.makeModel()
        let losses = model.losses, weights = model.lossWeights, metrics = model.metrics
        #expect(throws: ModelError.invalidConfiguration("2 losses for a model with 3 outputs")) {
            try model.setLosses([.meanSquaredError, .meanSquaredError])
        }
        #expect(throws: ModelError.invalidConfiguration("1 loss weights for a model with 3 outputs")) {
            try model.setLosses([.meanSquaredError, .meanSquaredError, .meanSquaredError], weights: [1])
        }
        #expect(throws: ModelError.invalidConfiguration("loss weight inf is not finite")) {
            try model.setLosses([.meanSquaredError, .meanSquaredError, .meanSquaredError], weights: [1, .infinity, 1])
        }
        #expect(throws: ModelError.invalidConfiguration("1 lists of metrics for a model with 3 outputs")) { try model.setMetrics([[.accuracy]]) }
        #expect(model.losses == losses && model.lossWeights == weights && model.metrics == metrics)
    }

    @Test func eachOutputIsEvaluatedWithItsOwnLossAndWeight() throws {
        let model = try Self.makeModel()
        #expect(model.outputNames == ["logits", "probabilities", "refined"] && model.outputShapes == [[3], [3], [3]])
        let data = GradientTests.data(shape: [4], count: 9)
        let predictions = try model.predictEach(data.inputs, batchSize: 4)
        #expect(predictions.map(\.count) == [27, 27, 27])
        #expect(try model.predict(data.inputs) == predictions[0])
        let evaluation = try model.evaluate(data.samples(for: model), batchSize: 4)
        var expectedTotal = 0.0
        for (index, output) in evaluation.outputs.enumerated() {
            var loss = 0.0, correct = 0
            for sample in 0..<data.count {
                var row = (0..<3).map { Double(predictions[index][sample * 3 + $0]) }
                if index == 0 {
                    let largest = row.max()!
                    let total = row.reduce(0) { $0 + exp($1 - largest) }
                    row = row.map { exp($0 - largest) / total }
                }
                #expect(abs(row.reduce(0, +) - 1) < 1e-5, "output \(index) gives probabilities")
                let label = data.labels[sample]
                loss -= log(row[label])
                correct += row.indices.max { row[$0] < row[$1] } == label ? 1 : 0
            }
            let outputLoss = try #require(output["loss"]), name = model.outputNames[index]
            #expect(abs(outputLoss - loss / Double(data.count)) < 1e-5, "output \(index): \(outputLoss) against \(loss / Double(data.count))")
            #expect(output["accuracy"] == Double(correct) / Double(data.count))
            #expect(evaluation.scores[name + "_loss"] == outputLoss && evaluation.scores[name + "_accuracy"] == output["accuracy"])
            expectedTotal += model.lossWeights[index] * loss / Double(data.count)
        }
        #expect(abs(evaluation.loss - expectedTotal) < 1e-5)
        #expect(evaluation.scores.names.first == "loss" && evaluation.scores.names.count == 1 + 3 + 3)
    }

    @Test func outputsMustBeDistinctAndEveryOtherNodeMustLeadSomewhere() throws {
        let layers = { [Dense(units: 3, name: "a"), Dense(units: 3, name: "b")] }
        func model(_ outputs: [Int], second: NodeInput = .node(0)) throws -> Model {
            let (a, b) = (layers()[0], layers()[1])
            return try Model(name: "m", inputShape: [2], nodes: [Node(a, inputs: [.input(0)]), Node(b, inputs: [second])], outputs: outputs)
        }
        #expect(throws: ModelError.invalidInput(layer: "a", reason: "leads to no output")) { try model([1], second: .input(0)) }
        #expect(throws: ModelError.invalidConfiguration("the outputs [1, 1] are not distinct nodes of the model")) { try model([1, 1]) }
        #expect(throws: ModelError.invalidConfiguration("a model has 1 to 16 outputs, not 0")) { try model([]) }
        #expect(try model([0, 1]).outputNames == ["a", "b"])
    }
}
