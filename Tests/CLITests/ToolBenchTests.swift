import Foundation
import KerasFormat
import NeuralNet
import NumPy
import TestSupport
import Testing

/// `keras-swift bench --json`, the form other tools read. Speed itself is never asserted: only that every figure
/// the benchmark promises is there and is a positive number.
@Suite struct ToolBenchTests {
    @Test func jsonHasEveryPromisedFigure() throws {
        let output = try BuiltTool.run("keras-swift", ["bench", "--arch", "lenet5", "--seconds", "0.2", "--json", "--data", SharedData.mnist])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        #expect(lines.count == 1, "one JSON object per line: \(output.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data((lines.first ?? "").utf8)) as? [String: Any])
        #expect(json["arch"] as? String == "lenet5")
        for key in ["train_images_per_s", "infer_images_per_s", "latency_ms", "peak_rss_mb", "h5_load_s", "h5_save_s",
                    "train_gflops", "infer_gflops", "peak_gflops"] {
            let value = try #require(json[key] as? Double, "\(key) missing")
            #expect(value > 0, "\(key) = \(value)")
        }
    }

    /// `--layers` gives every layer's share of a training step, of batch-128 inference and of one image, and
    /// names the algorithm each convolution took in each.
    @Test func layersNameEachConvolutionsAlgorithm() throws {
        let output = try BuiltTool.run("keras-swift", ["bench", "--arch", "lenet5", "--seconds", "0.2", "--layers", "--data", SharedData.mnist])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n").map(String.init)
        #expect(lines.contains { $0.contains("one image") && $0.contains("convolution (training; inference; one image)") })
        let algorithms = ["Winograd F(4x4, 3x3)", "Winograd F(2x2, 3x3)", "implicit GEMM", "direct (one channel)", "im2col + GEMM"]
        let convolutions = lines.filter { $0.hasPrefix("  conv2d") }
        #expect(convolutions.count == 2, "\(output.stdout)")
        for line in convolutions {
            let named = line.split(separator: "%").last.map { $0.split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
            #expect(named.count == 3 && named.allSatisfy(algorithms.contains), "\(line)")
            #expect(line.split(separator: "%").count == 5, "four shares: \(line)")
        }
    }

    /// `--model` measures files instead of the architectures, each in a process of its own: a Keras config
    /// (trained with Adam, as it names no optimizer) and a notebook file (with its own optimizer state).
    @Test func modelFilesAreMeasuredInsteadOfTheArchitectures() throws {
        let folder = try TemporaryFolder()
        let config = folder.path("bn_cnn.json")
        try """
            {"class_name": "Sequential", "config": {"name": "bn_cnn", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 28, 28, 1], "name": "image"}},
              {"class_name": "Conv2D", "config": {"name": "conv", "filters": 4, "kernel_size": [3, 3], "use_bias": false}},
              {"class_name": "BatchNormalization", "config": {"name": "bn"}},
              {"class_name": "Flatten", "config": {"name": "flatten"}},
              {"class_name": "Dense", "config": {"name": "out", "units": 10, "activation": "softmax"}}]}}
            """.write(toFile: config, atomically: true, encoding: .utf8)
        let output = try BuiltTool.run("keras-swift", ["bench", "--model", config, "--model", SharedData.reference("LeNet5.h5"),
                                                  "--batch-size", "16", "--seconds", "0.1", "--json", "--data", SharedData.mnist])
        #expect(output.status == 0, "\(output.stderr)")
        let lines = output.stdout.split(separator: "\n")
        let names = try lines.map { line in
            try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["arch"] as? String
        }
        #expect(names == ["bn_cnn", "LeNet5"], "\(output.stdout)")
        let refused = try BuiltTool.run("keras-swift", ["bench", "--arch", "mlp", "--model", config, "--data", SharedData.mnist])
        #expect(refused.status != 0 && refused.stderr.contains("not both"))
    }

    /// `--sweep` measures inference at each batch size and training with 1 and 2 threads (those the machine
    /// has), each thread count in its own process, and writes the figures and a plot; a folder that does not
    /// exist is refused before anything is measured.
    /// With --x and --y a model of the user's own data is measured on those arrays (a text model of int32
    /// token ids here, which MNIST could not feed); without --y, or with --arch, the arrays are refused.
    @Test func arraysReplaceMNIST() throws {
        let folder = try TemporaryFolder()
        let model = try Sequential(inputShape: [12], layers: [Embedding(inputDimension: 50, outputDimension: 4, name: "words"),
                                                              GRU(units: 6, name: "reader"), Dense(units: 1, activation: .sigmoid, name: "out")],
                                   seed: 2)
        model.loss = Loss(.binaryCrossentropy)
        try ModelWriter.save(model, optimizer: Adam(parameters: model.parameters), to: folder.path("text.keras"))
        let count = 80
        try NumpyArray(shape: [count, 12], elementType: .int32, data: (0..<count * 12).map { Int32(($0 * 7) % 50) }.withUnsafeBytes { Array($0) })
            .write(to: folder.path("tokens.npy"))
        try NumpyArray(shape: [count, 1], float32: (0..<count).map { Float($0 % 2) }).write(to: folder.path("labels.npy"))
        let arrays = ["--x", folder.path("tokens.npy"), "--y", folder.path("labels.npy")]
        let output = try BuiltTool.run("keras-swift", ["bench", "--model", folder.path("text.keras"), "--batch-size", "16", "--seconds", "0.1",
                                                  "--json"] + arrays)
        #expect(output.status == 0, "\(output.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(json["arch"] as? String == "text" && (json["train_images_per_s"] as? Double ?? 0) > 0)
        let kinds = (json["layer_kinds"] as? [[String: Any]])?.compactMap { $0["kind"] as? String }
        #expect(kinds == ["Embedding", "GRU", "Dense"])
        for refused in [["--model", folder.path("text.keras"), "--x", folder.path("tokens.npy")], ["--arch", "mlp"] + arrays] {
            let output = try BuiltTool.run("keras-swift", ["bench", "--seconds", "0.1"] + refused)
            #expect(output.status != 0 && output.stderr.contains("--x and --y measure one --model on your arrays"), "\(output.stderr)")
        }
    }

    @Test func aSweepWritesEveryBatchSizeAndThreadCountAndAPlot() throws {
        let folder = try TemporaryFolder()
        let stem = folder.path("sweep")
        let output = try BuiltTool.run("keras-swift", ["bench", "--sweep", "--arch", "mlp", "--seconds", "0.05", "--out", stem,
                                                  "--data", SharedData.mnist])
        #expect(output.status == 0, "\(output.stderr)")
        let results = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: stem + ".json"))) as? [[String: Any]])
        let threads = Array([1, 2].prefix(min(2, ProcessInfo.processInfo.activeProcessorCount)))
        #expect(results.compactMap { $0["threads"] as? Int } == threads)
        for result in results {
            #expect(result["arch"] as? String == "mlp" && (result["processor"] as? String)?.isEmpty == false && result["kernel_path"] != nil)
            #expect((result["train_images_per_s"] as? Double ?? 0) > 0)
            let byBatch = try #require(result["infer_images_per_s_by_batch"] as? [String: Double])
            #expect(byBatch.keys.sorted() == ["1", "128", "32", "512", "8"] && byBatch.values.allSatisfy { $0 > 0 }, "\(byBatch)")
        }
        let plot = try String(contentsOfFile: stem + ".mlp.svg", encoding: .utf8)
        #expect(plot.hasPrefix("<svg") && plot.components(separatedBy: "<polyline").count == threads.count + 1)
        #expect(plot.contains(">512</text>") && plot.contains("inference, 1 thread"))

        let refused = try BuiltTool.run("keras-swift", ["bench", "--sweep", "--arch", "mlp", "--out", folder.path("missing/sweep"),
                                                   "--data", SharedData.mnist])
        #expect(refused.status == 1 && refused.stderr.contains("the folder \(folder.path("missing")) does not exist"), "\(refused.stderr)")
        #expect(refused.stdout.isEmpty, "nothing measured: \(refused.stdout)")
        let badThreads = try BuiltTool.run("keras-swift", ["bench", "--arch", "mlp"], environment: ["KERAS_SWIFT_THREADS": "0"])
        #expect(badThreads.status == 1 && badThreads.stderr.contains("KERAS_SWIFT_THREADS=0 is not a positive number of threads"))
    }
}
