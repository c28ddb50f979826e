import Foundation
import KerasFormat
import NeuralNet
import NumPy
import TestSupport
import Testing

/// `keras-swift convert` to and from `.safetensors`: the weights go out by Keras's paths and come back into the
/// architecture a config or a model file gives, predicting as the model did; files that do not fit are refused
/// in one line with nothing written.
@Suite struct ToolConvertTests {
    private func tool(_ arguments: [String]) throws -> ProcessOutput { try BuiltTool.run("keras-swift", arguments) }

    private func predictions(_ path: String, folder: TemporaryFolder) throws -> [[Float]] {
        let x = try NumpyArray.read(folder.path("x.npy")).floats()
        return try ModelLoader.load(path).model.predictEach(x)
    }

    @Test func weightsGoToSafetensorsAndComeBackIntoTheArchitecture() throws {
        let folder = try TemporaryFolder()
        let model = try ToolArrayTests.regression(in: folder)
        let expected = try predictions(folder.path("prices.keras"), folder: folder)
        let out = try tool(["convert", folder.path("prices.keras"), folder.path("prices.safetensors")])
        #expect(out.status == 0 && out.stdout.contains("(safetensors), 6 tensors"), "\(out.stdout)\(out.stderr)")
        try Data(ConfigWriter.archiveConfig(model, optimizer: Adam(parameters: model.parameters)).pythonJSON.utf8)
            .write(to: URL(fileURLWithPath: folder.path("config.json")))
        for (architecture, written) in [(["--config", folder.path("config.json")], "from-config.keras"),
                                        (["--model", folder.path("prices.keras")], "from-model.h5")] {
            let back = try tool(["convert", folder.path("prices.safetensors"), folder.path(written)] + architecture)
            #expect(back.status == 0, "\(back.stderr)")
            #expect(try predictions(folder.path(written), folder: folder) == expected, "\(written)")
        }
    }

    @Test func safetensorsThatDoNotFitAreRefusedInOneLineWithNothingWritten() throws {
        let folder = try TemporaryFolder()
        _ = try ToolArrayTests.regression(in: folder)
        let weights = folder.path("prices.safetensors")
        #expect(try tool(["convert", folder.path("prices.keras"), weights]).status == 0)
        let noArchitecture = try tool(["convert", weights, folder.path("out.keras")])
        #expect(noArchitecture.status == 2 && noArchitecture.stderr.contains("name the architecture with --config"), "\(noArchitecture.stderr)")
        let wrongArchitecture = try tool(["convert", weights, folder.path("out.keras"), "--arch", "lenet5"])
        #expect(wrongArchitecture.status == 1, "\(wrongArchitecture.stderr)")
        #expect(wrongArchitecture.stderr == "keras-swift: error: \(weights): tensor trunk/kernel: matches no weight of the model "
                + "(its keys are Keras's weight paths, layer/weight)\n")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: weights))
        let truncated = folder.path("truncated.safetensors")
        try bytes.prefix(bytes.count - 3).write(to: URL(fileURLWithPath: truncated))
        let refused = try tool(["convert", truncated, folder.path("out.keras"), "--model", folder.path("prices.keras")])
        #expect(refused.status == 1 && refused.stderr.hasPrefix("keras-swift: error: \(truncated): truncated: the tensors need"), "\(refused.stderr)")
        #expect(refused.stderr.split(separator: "\n").count == 1)
        #expect(!FileManager.default.fileExists(atPath: folder.path("out.keras")))
    }

    @Test func theNotebooksLeNet5GoesToSafetensorsAndONNXAndBack() throws {
        let folder = try TemporaryFolder(), source = SharedData.reference("LeNet5.h5")
        let out = try tool(["convert", source, folder.path("lenet.safetensors")])
        #expect(out.status == 0, "\(out.stderr)")
        let back = try tool(["convert", folder.path("lenet.safetensors"), folder.path("lenet.keras"), "--model", source])
        #expect(back.status == 0, "\(back.stderr)")
        let original = try ModelLoader.load(source).model, rebuilt = try ModelLoader.load(folder.path("lenet.keras")).model
        let weights = { (model: Model) in model.layers.flatMap(\.weights).map { Array(UnsafeBufferPointer(start: $0.value, count: $0.count)) } }
        #expect(weights(original) == weights(rebuilt), "every weight as the notebook wrote it")
        let images: [Float] = (0..<3072).map { Float(($0 * 37) % 256) / 255 }
        #expect(try original.predictEach(images) == rebuilt.predictEach(images))
        let onnx = try tool(["convert", source, folder.path("lenet.onnx")])
        #expect(onnx.status == 0 && onnx.stdout.contains("(ONNX opset 17), batch dynamic"), "\(onnx.stdout)\(onnx.stderr)")
        let graph = try Data(contentsOf: URL(fileURLWithPath: folder.path("lenet.onnx")))
        #expect(["Conv", "AveragePool", "MatMul", "Softmax"].allSatisfy { graph.range(of: Data($0.utf8)) != nil })
        // Neither written form is a model to run: each is refused in one line that says what it is.
        for (file, reason) in [("lenet.onnx", "is an ONNX model, which keras-swift writes but does not read"),
                               ("lenet.safetensors", "is a safetensors file of weights alone; make it a Keras file with `keras-swift convert` and --config, --model or --arch")] {
            let refused = try tool(["predict", folder.path(file), "--index", "0", "--data", SharedData.mnist])
            #expect(refused.status == 1 && refused.stderr == "keras-swift: error: \(folder.path(file)): \(reason)\n", "\(refused.stderr)")
        }
    }

    @Test func onnxIsWrittenForInferenceAndWhatTheOpsetLacksIsRefusedByName() throws {
        let folder = try TemporaryFolder()
        _ = try ToolArrayTests.regression(in: folder)
        let written = try tool(["convert", folder.path("prices.keras"), folder.path("prices.onnx"), "--batch", "4"])
        #expect(written.status == 0 && written.stdout.contains("(ONNX opset 17), batch 4"), "\(written.stdout)\(written.stderr)")
        #expect((try Data(contentsOf: URL(fileURLWithPath: folder.path("prices.onnx")))).count > 200)
        let normalized = try Sequential(inputShape: [5, 2], layers: [LayerNormalization(name: "norm"), Dense(units: 1, name: "out")])
        try ModelWriter.save(normalized, optimizer: nil, to: folder.path("normalized.keras"))
        let refused = try tool(["convert", folder.path("normalized.keras"), folder.path("normalized.onnx"), "--opset", "13"])
        #expect(refused.status == 1)
        #expect(refused.stderr == "keras-swift: error: \(folder.path("normalized.keras")): layer norm: LayerNormalization needs --opset 17 or later\n")
        #expect(!FileManager.default.fileExists(atPath: folder.path("normalized.onnx")))
        // Steps left open (None) stay open: the file is read at two lengths and the graphs compared.
        var series = Model.Input(name: "series", shape: [5, 2])
        series.variableAxes = [0]
        try ModelWriter.save(try Sequential(input: series, layers: [GRU(units: 3, name: "memory"), Dense(units: 1, name: "out")]),
                             optimizer: nil, to: folder.path("open.keras"))
        let open = try tool(["convert", folder.path("open.keras"), folder.path("open.onnx")])
        let openGraph = try Data(contentsOf: URL(fileURLWithPath: folder.path("open.onnx")))
        #expect(open.status == 0 && openGraph.range(of: Data("series_axis1".utf8)) != nil, "\(open.stderr)")
        #expect(try tool(["convert", folder.path("prices.keras"), folder.path("p.onnx"), "--batch", "0"]).status == 2)
        #expect(try tool(["convert", folder.path("prices.keras"), folder.path("p.onnx"), "--opset", "9"]).status == 2)
    }
}
