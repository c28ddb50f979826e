import Foundation
import KerasFormat
import NeuralNet
import NumPy
import TestSupport
import Testing

/// `keras-swift evaluate` and `predict` on a user's own arrays (`--x`, `--y`): a regression model that has nothing
/// to do with MNIST is scored with its compiled loss and metrics as the library scores it, its predictions
/// written and shown; arrays that do not fit are refused with one line naming the files.
@Suite struct ToolArrayTests {
    private func tool(_ arguments: [String]) throws -> ProcessOutput { try BuiltTool.run("keras-swift", arguments) }

    /// A two-output model (a regression value and three classes) saved compiled, with arrays for it.
    static func regression(in folder: TemporaryFolder) throws -> Model {
        let nodes = [Node(Dense(units: 8, activation: .tanh, name: "trunk"), inputs: [.input(0)]),
                     Node(Dense(units: 1, name: "price"), inputs: [.node(0)]),
                     Node(Dense(units: 3, activation: .softmax, name: "kind"), inputs: [.node(0)])]
        let model = try Model(name: "prices", inputShape: [5], nodes: nodes, outputs: [1, 2], seed: 3)
        try model.setLosses([.meanSquaredError, .sparseCategoricalCrossentropy])
        try model.setMetrics([[.meanAbsoluteError], [.accuracy]])
        try ModelWriter.save(model, optimizer: Adam(parameters: model.parameters), to: folder.path("prices.keras"))
        let count = 40
        let x = (0..<count * 5).map { Float(($0 * 37) % 23) / 11 - 1 }
        try NumpyArray(shape: [count, 5], elementType: .float64, data: x.map(Double.init).withUnsafeBytes { Array($0) })
            .write(to: folder.path("x.npy"))
        try NumpyArray(shape: [count, 1], float32: (0..<count).map { Float($0 % 7) / 3 }).write(to: folder.path("price.npy"))
        try NumpyArray(shape: [count], elementType: .int64, data: (0..<count).map { Int64($0 % 3) }.withUnsafeBytes { Array($0) })
            .write(to: folder.path("kind.npy"))
        try NumpyArchive.write([("kind", try NumpyArray.read(folder.path("kind.npy"))), ("price", try NumpyArray.read(folder.path("price.npy")))],
                               to: folder.path("y.npz"))
        return model
    }

    @Test func evaluateScoresTheUsersArraysAsTheLibraryDoes() throws {
        let folder = try TemporaryFolder()
        let model = try Self.regression(in: folder)
        let x = try NumpyArray.read(folder.path("x.npy")), price = try NumpyArray.read(folder.path("price.npy"))
        let kind = try NumpyArray.read(folder.path("kind.npy"))
        let expected = try model.evaluate(try model.samples(inputs: [try Tensor(shape: x.shape, scalars: x.floats())],
                                                            targets: [try Tensor(shape: price.shape, scalars: price.floats()),
                                                                      try Tensor(shape: kind.shape, scalars: kind.floats())])).scores
        #expect(expected.names == ["loss", "price_loss", "kind_loss", "price_mae", "kind_accuracy"])
        for targets in [[folder.path("price.npy"), folder.path("kind.npy")], [folder.path("y.npz")]] {
            let output = try tool(["evaluate", folder.path("prices.keras"), "--x", folder.path("x.npy"), "--json"]
                                    + targets.flatMap { ["--y", $0] })
            #expect(output.status == 0, "\(output.stderr)")
            let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
            for (name, value) in expected {
                let reported = try #require(json[name] as? Double, "\(name) missing from \(output.stdout)")
                #expect(abs(reported - value) <= 1e-6 * (1 + abs(value)), "\(name): \(reported), library \(value)")
            }
            #expect(json["samples"] as? Int == 40)
        }
    }

    @Test func predictShowsAndWritesTheOutputsOfTheUsersSamples() throws {
        let folder = try TemporaryFolder()
        let model = try Self.regression(in: folder)
        let output = try tool(["predict", folder.path("prices.keras"), "--x", folder.path("x.npy"), "--first", "12",
                                 "--output", folder.path("p.npy")])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("sample 0 kind: class ") && output.stdout.contains("... 9 more"), "\(output.stdout)")
        let x = try NumpyArray.read(folder.path("x.npy")).floats()
        let expected = try model.predictEach(Array(x.prefix(12 * 5)))
        for (index, name) in ["price", "kind"].enumerated() {
            let written = try NumpyArray.read(folder.path("p.\(name).npy"))
            #expect(written.shape == [12] + model.outputShapes[index] && written.floats() == expected[index])
        }
    }

    /// Training continues the model on the arrays, validating on their last quarter: the history has every
    /// figure under Keras's names, and no MNIST confusion matrix is drawn.
    @Test func trainContinuesTheModelOnTheUsersArrays() throws {
        let folder = try TemporaryFolder()
        _ = try Self.regression(in: folder)
        let output = try tool(["train", "--resume", folder.path("prices.keras"), "--x", folder.path("x.npy"), "--y", folder.path("y.npz"),
                                 "--epochs", "2", "--batch-size", "8", "--validation-split", "0.25", "--out", folder.path("more.keras")])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("on 30 samples from") && output.stdout.contains("validation on the last 10 samples"), "\(output.stdout)")
        let csv = try String(contentsOfFile: folder.path("more.history.csv"), encoding: .utf8).split(separator: "\n")
        let columns = ["epoch", "loss", "price_loss", "kind_loss", "price_mae", "kind_accuracy", "val_loss", "val_price_loss", "val_kind_loss",
                       "val_price_mae", "val_kind_accuracy", "seconds"]
        #expect(csv.first.map(String.init) == columns.joined(separator: ","))
        #expect(csv.count == 3)
        #expect(!FileManager.default.fileExists(atPath: folder.path("more.confusion.svg")))
        let evaluation = try tool(["evaluate", folder.path("more.keras"), "--x", folder.path("x.npy"), "--y", folder.path("y.npz")])
        #expect(evaluation.status == 0 && evaluation.stdout.contains("test: loss "), "\(evaluation.stderr)")
    }

    @Test func arraysThatDoNotFitAreRefusedInOneLine() throws {
        let folder = try TemporaryFolder()
        _ = try Self.regression(in: folder)
        try NumpyArray(shape: [40, 4], float32: [Float](repeating: 0, count: 160)).write(to: folder.path("narrow.npy"))
        let model = folder.path("prices.keras"), x = folder.path("x.npy")
        let cases: [([String], Int32, String)] = [
            (["--x", folder.path("narrow.npy"), "--y", folder.path("y.npz")], 1, "does not fit input input_layer (None, 5)"),
            (["--x", x, "--y", folder.path("narrow.npy"), "--y", folder.path("kind.npy")], 1, "the targets of output price have shape (40, 4)"),
            (["--x", x, "--y", folder.path("kind.npy"), "--y", folder.path("price.npy")], 1, "price.npy: class index of sample 1 of output kind is 0.33333334"),
            (["--x", x, "--y", folder.path("price.npy")], 1, "1 --y files for a model with 2 outputs"),
            (["--x", x, "--y", folder.path("price.npy"), "--y", folder.path("none.npy")], 1, "none.npy: no such file"),
            (["--x", x], 2, "evaluate --x needs the targets: --y"),
        ]
        for (arguments, status, words) in cases {
            let output = try tool(["evaluate", model] + arguments)
            #expect(output.status == status && output.stderr.contains(words), "\(arguments): \(output.stderr)")
            if status == 1 { #expect(output.stderr.split(separator: "\n").count == 1) }
        }
    }

    /// `predict --image DIR` writes each sample of an image output as a PNG whose pixels are the outputs mapped
    /// from the activation's range (sigmoid: 0...1) to 0...255; a tanh output maps -1...1; --image-range
    /// overrides; a model without an image output is refused before anything is written.
    @Test func predictWritesAnImageOutputAsPNGs() throws {
        let folder = try TemporaryFolder()
        let count = 12
        try NumpyArray(shape: [count, 4], float32: (0..<count * 4).map { Float(($0 * 29) % 17) / 4 - 2 }).write(to: folder.path("codes.npy"))
        let x = try NumpyArray.read(folder.path("codes.npy")).floats()
        for (activation, channels, range, expectedRange) in [(Activation.sigmoid, 3, nil, Float(0)...1), (.tanh, 1, nil, -1...1),
                                                             (.linear, 1, "-4,4", -4...4)] {
            let model = try Sequential(inputShape: [4], layers: [Dense(units: 5 * 2 * channels, activation: activation), Reshape([5, 2, channels])])
            try ModelWriter.save(model, optimizer: nil, to: folder.path("generator.keras"))
            let images = folder.path("images-\(activation.rawValue)")
            let output = try tool(["predict", folder.path("generator.keras"), "--x", folder.path("codes.npy"), "--image", images]
                                    + (range.map { ["--image-range=\($0)"] } ?? []))
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("wrote 12 2x5 \(channels == 3 ? "RGB" : "grey") PNG images"), "\(output.stdout)")
            let expected = try model.predict(x, batchSize: count), size = 5 * 2 * channels
            for sample in [0, 7, 11] {
                let png = try readPNG(images + "/" + (sample < 10 ? "0" : "") + "\(sample).png")
                #expect(png.width == 2 && png.height == 5 && png.channels == channels)
                let levels = expected[sample * size..<(sample + 1) * size].map {
                    min(255, max(0, (($0 - expectedRange.lowerBound) * 255 / (expectedRange.upperBound - expectedRange.lowerBound)).rounded()))
                }
                #expect(zip(png.pixels, levels).allSatisfy { abs(Float($0) - $1) <= 1 }, "\(activation) sample \(sample)")
            }
        }
        _ = try Self.regression(in: folder)
        let refused = try tool(["predict", folder.path("prices.keras"), "--x", folder.path("x.npy"), "--image", folder.path("none"),
                                "--output", folder.path("p.npy")])
        #expect(refused.status == 1 && refused.stderr.contains("--image needs an output of (height, width, 1, 3 or 4)"), "\(refused.stderr)")
        #expect(!FileManager.default.fileExists(atPath: folder.path("none")) && !FileManager.default.fileExists(atPath: folder.path("p.price.npy")))
    }

    /// A model of two inputs (float32 and int32) takes one `--x` per input in the model's order, or one `.npz`
    /// of arrays named after the inputs, for predict, evaluate and train alike.
    @Test func aModelOfSeveralInputsTakesAnArrayForEach() throws {
        let folder = try TemporaryFolder()
        let nodes = [Node(Dense(units: 4, activation: .tanh, name: "left"), inputs: [.input(0)]),
                     Node(Dense(units: 4, activation: .tanh, name: "right"), inputs: [.input(1)]),
                     Node(Merge(.add, name: "sum"), inputs: [.node(0), .node(1)]),
                     Node(Dense(units: 1, name: "value"), inputs: [.node(2)])]
        let model = try Model(name: "two", inputs: [Model.Input(name: "signal", shape: [3]), Model.Input(name: "codes", shape: [2], dtype: .int32)],
                              nodes: nodes, seed: 2)
        model.loss = .meanSquaredError
        try model.setMetrics([[.meanAbsoluteError]])
        try ModelWriter.save(model, optimizer: Adam(parameters: model.parameters), to: folder.path("two.keras"))
        let count = 10
        let signal = (0..<count * 3).map { Float($0 % 7) / 7 }, codes = (0..<count * 2).map { Int32($0 % 5) }
        let y = (0..<count).map { Float($0 % 3) }
        try NumpyArray(shape: [count, 3], float32: signal).write(to: folder.path("signal.npy"))
        try NumpyArray(shape: [count, 2], elementType: .int32, data: codes.withUnsafeBytes { Array($0) }).write(to: folder.path("codes.npy"))
        try NumpyArray(shape: [count, 1], float32: y).write(to: folder.path("y.npy"))
        try NumpyArchive.write([("codes", try NumpyArray.read(folder.path("codes.npy"))), ("signal", try NumpyArray.read(folder.path("signal.npy")))],
                               to: folder.path("x.npz"))
        let expected = try model.predictEach([signal, codes.map(Float.init)])[0]
        for x in [["--x", folder.path("signal.npy"), "--x", folder.path("codes.npy")], ["--x", folder.path("x.npz")]] {
            let output = try tool(["predict", folder.path("two.keras")] + x + ["--output", folder.path("p.npy")])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(try NumpyArray.read(folder.path("p.npy")).floats() == expected)
            let evaluation = try tool(["evaluate", folder.path("two.keras")] + x + ["--y", folder.path("y.npy"), "--json"])
            #expect(evaluation.status == 0 && evaluation.stdout.contains("\"mae\""), "\(evaluation.stderr)")
        }
        let trained = try tool(["train", "--resume", folder.path("two.keras"), "--x", folder.path("x.npz"), "--y", folder.path("y.npy"),
                                  "--epochs", "1", "--out", folder.path("more.keras")])
        #expect(trained.status == 0, "\(trained.stderr)")
        let one = try tool(["predict", folder.path("two.keras"), "--x", folder.path("signal.npy")])
        #expect(one.status == 1 && one.stderr.contains("1 --x files for a model with 2 inputs (signal, codes), in that order"), "\(one.stderr)")
        let mnist = try tool(["evaluate", folder.path("two.keras"), "--data", SharedData.mnist])
        #expect(mnist.status == 1 && mnist.stderr.contains("the model takes 2 inputs (signal, codes); MNIST gives one image"), "\(mnist.stderr)")
    }
}
