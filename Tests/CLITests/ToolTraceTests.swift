import Foundation
import KerasFormat
import NeuralNet
import NumPy
import TestSupport
import Testing

/// `keras-swift trace`: every layer call's output written under Keras's keys, agreeing with the model's own
/// predictions, and a comparison that names the first layer a planted error reaches.
@Suite struct ToolTraceTests {
    private func tool(_ arguments: [String]) throws -> ProcessOutput { try BuiltTool.run("keras-swift", arguments) }

    /// A functional model with a convolution that BatchNormalization and ReLU fold into, a Dense layer called
    /// twice, and an Add, saved at `path`; its first layer's kernel shifted by `shift` at `index`.
    private func save(to path: String, shift: Float = 0, index: Int = 0) throws -> Model {
        let shared = Dense(units: 4, activation: .tanh, name: "shared")
        let nodes = [Node(Conv2D(filters: 3, kernelSize: (3, 3), name: "conv"), inputs: [.input(0)]),
                     Node(BatchNormalization(name: "bn"), inputs: [.node(0)]),
                     Node(ReLU(name: "relu"), inputs: [.node(1)]),
                     Node(Flatten(name: "flat"), inputs: [.node(2)]),
                     Node(Dense(units: 4, name: "mid"), inputs: [.node(3)]),
                     Node(shared, inputs: [.node(4)]),
                     Node(shared, inputs: [.node(5)]),
                     Node(Merge(.add, name: "sum"), inputs: [.node(5), .node(6)]),
                     Node(Dense(units: 2, activation: .softmax, name: "out"), inputs: [.node(7)])]
        let model = try Model(name: "traced", inputShape: [5, 5, 1], nodes: nodes, seed: 5)
        let mid = try #require(model.layers.first { $0.name == "mid" }?.parameters.first)
        mid.value[index] += shift
        mid.valuesChanged()
        try ModelWriter.save(model, optimizer: nil, to: path)
        return model
    }

    @Test func traceWritesEveryCallAndNamesTheFirstLayerAPlantedErrorReaches() throws {
        let folder = try TemporaryFolder()
        let model = try save(to: folder.path("m.keras"))
        let x: [Float] = (0..<150).map { index in Float((index * 13) % 17) / 8 - 1 }
        try NumpyArray(shape: [6, 5, 5, 1], float32: x).write(to: folder.path("x.npy"))
        let written = try tool(["trace", folder.path("m.keras"), "--x", folder.path("x.npy"), "--first", "5", "--output", folder.path("ref.npz")])
        #expect(written.status == 0, "\(written.stderr)")
        #expect(written.stdout.contains("conv                     (None, 3, 3, 3)    folded into relu"), "\(written.stdout)")
        #expect(written.stdout.contains("bn                       (None, 3, 3, 3)    folded into relu"), "\(written.stdout)")
        let arrays = Dictionary(try NumpyArchive.read(folder.path("ref.npz")).map { ($0.name, $0.array) }, uniquingKeysWith: { a, _ in a })
        #expect(Set(arrays.keys) == ["relu", "flat", "mid", "shared", "shared:1", "sum", "out"])
        #expect(arrays["shared:1"]?.shape == [5, 4])
        #expect(arrays["out"]?.floats() == (try model.predict(Array(x.prefix(5 * 25)))))

        let same = try tool(["trace", folder.path("m.keras"), "--x", folder.path("x.npy"), "--first", "5", "--reference", folder.path("ref.npz")])
        #expect(same.status == 0 && same.stdout.hasSuffix("every layer within 1e-05 of the reference\n"), "\(same.stdout)")

        _ = try save(to: folder.path("planted.keras"), shift: 0.5, index: 7)
        let planted = try tool(["trace", folder.path("planted.keras"), "--x", folder.path("x.npy"), "--first", "5",
                                "--reference", folder.path("ref.npz")])
        #expect(planted.status == 1)
        let last = planted.stdout.split(separator: "\n").last.map(String.init) ?? ""
        #expect(last.hasPrefix("first layer past 1e-05: mid (max |difference| "), "\(planted.stdout)")
        #expect(planted.stdout.contains("relu                     (None, 3, 3, 3)    max |difference| 0.00e+00"), "\(planted.stdout)")
    }

    @Test func aReferenceOfAnotherShapeIsRefusedInOneLine() throws {
        let folder = try TemporaryFolder()
        _ = try save(to: folder.path("m.keras"))
        try NumpyArray(shape: [2, 5, 5, 1], float32: [Float](repeating: 0.5, count: 50)).write(to: folder.path("x.npy"))
        try NumpyArchive.write([("mid", try NumpyArray(shape: [2, 3], float32: [Float](repeating: 0, count: 6)))], to: folder.path("bad.npz"))
        let refused = try tool(["trace", folder.path("m.keras"), "--x", folder.path("x.npy"), "--reference", folder.path("bad.npz")])
        #expect(refused.status == 1)
        #expect(refused.stderr == "keras-swift: error: \(folder.path("bad.npz")): mid has shape (2, 3); the model's layer gives (2, 4) for the 2 samples traced\n")
    }
}
