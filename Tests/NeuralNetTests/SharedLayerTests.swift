import NeuralNet
import Testing

/// A layer run at several nodes of a graph (shared, as a Keras layer called twice): one set of weights, one
/// row in the summary, and refusals where sharing cannot work.
@Suite struct SharedLayerTests {
    static func graph(_ shared: Layer) -> [Node] {
        [Node(Dense(units: 4, activation: .relu, name: "left"), inputs: [.input(0)]),
         Node(Dense(units: 4, activation: .tanh, name: "right"), inputs: [.input(0)]),
         Node(shared, inputs: [.node(0)]), Node(shared, inputs: [.node(1)]),
         Node(Merge(.add, name: "sum"), inputs: [.node(2), .node(3)]), Node(Dense(units: 3, activation: .softmax, name: "out"), inputs: [.node(4)])]
    }

    @Test func aSharedLayerHoldsOneSetOfWeights() throws {
        let shared = Dense(units: 4, name: "shared")
        let model = try Model(name: "graph", inputShape: [5], nodes: Self.graph(shared), seed: 1)
        #expect(model.layers.map(\.name) == ["left", "right", "shared", "sum", "out"])
        #expect(model.callIndices == [0, 0, 0, 1, 0, 0])
        #expect(model.parameters.count == 8 && model.parameterCount == 24 + 24 + 20 + 15)
        #expect(model.forwardFlops == 2 * (20 + 20 + 16 + 16 + 12))
        let summary = model.summary()
        #expect(summary.components(separatedBy: "shared (Dense)").count == 2, Comment(rawValue: "one row for the shared layer:\n" + summary))
        #expect(summary.contains("left; right") && summary.contains("shared, shared[1]"), Comment(rawValue: summary))
        #expect(summary.contains("Total params: 83 "), Comment(rawValue: summary))
    }

    @Test func aSharedLayerMustSeeOneInputShape() throws {
        let shared = Dense(units: 4, name: "shared")
        let nodes = [Node(shared, inputs: [.input(0)]), Node(shared, inputs: [.node(0)]), Node(Dense(units: 3, name: "out"), inputs: [.node(1)])]
        let error = #expect(throws: ModelError.self) { try Model(name: "graph", inputShape: [5], nodes: nodes) }
        #expect(error?.description == "layer shared: is called on (None, 4) after (None, 5); a shared layer must see the same input shapes at every call")
    }

    @Test func aSharedBatchNormalizationIsRefused() throws {
        let error = #expect(throws: ModelError.self) {
            try Model(name: "graph", inputShape: [5], nodes: Self.graph(BatchNormalization(name: "shared")))
        }
        #expect(error?.description.contains("layer shared: BatchNormalization is called more than once") ?? false)
    }
}
