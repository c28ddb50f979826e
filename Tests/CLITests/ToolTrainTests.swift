import Foundation
import TestSupport
import Testing

/// `keras-swift train` and `keras-swift convert` as a user runs them, on genuine MNIST.
@Suite struct ToolTrainTests {
    private func tool(_ arguments: [String]) throws -> ProcessOutput {
        try BuiltTool.run("keras-swift", arguments + ["--data", SharedData.mnist])
    }

    /// One epoch of the LeNet-5 recipe (SGD 0.01) reaches about 0.86 test accuracy; a model whose backward
    /// pass is broken stays near chance (0.1) or far below 0.8.
    @Test func oneEpochOfLeNet5Learns() throws {
        let folder = try TemporaryFolder()
        let out = folder.path("lenet5.h5")
        let output = try tool(["train", "--arch", "lenet5", "--epochs", "1", "--out", out])
        #expect(output.status == 0, "\(output.stderr)")
        let accuracy = try #require(output.stdout.testFigure("accuracy"))
        #expect(accuracy > 0.80, "test accuracy \(accuracy) after one epoch")
        #expect(output.stdout.contains("epoch 1/1: loss "))
        #expect(output.stdout.contains("val_accuracy"))
        for suffix in [".history.csv", ".history.json", ".accuracy.svg", ".loss.svg", ".confusion.svg"] {
            #expect(FileManager.default.fileExists(atPath: folder.path("lenet5" + suffix)), "\(suffix)")
        }
        let csv = try String(contentsOfFile: folder.path("lenet5.history.csv"), encoding: .utf8).split(separator: "\n")
        #expect(csv.first == "epoch,loss,accuracy,val_loss,val_accuracy,seconds")
        #expect(csv.count == 2)
        let confusion = try String(contentsOfFile: folder.path("lenet5.confusion.svg"), encoding: .utf8)
        #expect(confusion.hasPrefix("<svg") && confusion.hasSuffix("</svg>\n"))
        let evaluation = try tool(["evaluate", out])
        #expect(evaluation.stdout.testFigure("accuracy") == accuracy)
    }

    /// A learning rate of 1e30 drives the MLP's loss to NaN within a few batches: training stops there, as
    /// Keras's TerminateOnNaN stops it, says where, and writes no model full of NaN.
    @Test func aLossThatIsNotFiniteStopsTrainingAndWritesNothing() throws {
        let folder = try TemporaryFolder()
        let out = folder.path("diverged.h5")
        let output = try tool(["train", "--arch", "mlp", "--learning-rate", "1e30", "--limit", "512", "--epochs", "2",
                                 "--validation-split", "0.5", "--out", out])
        #expect(output.status == 1, "\(output.stdout)")
        #expect(output.stderr.hasPrefix("keras-swift: error: \(out): training stopped at epoch 1, batch "), "\(output.stderr)")
        #expect(output.stderr.contains("the loss is NaN (as Keras's TerminateOnNaN stops it); nothing was written"), "\(output.stderr)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path).isEmpty)
    }

    @Test func theSameSeedRepeatsARunExactly() throws {
        let folder = try TemporaryFolder()
        var weights: [Data] = []
        for run in 0..<2 {
            let out = folder.path("run\(run).weights.h5")
            let output = try tool(["train", "--arch", "convnet", "--epochs", "1", "--limit", "2000", "--seed", "42", "--out", out])
            #expect(output.status == 0, "\(output.stderr)")
            let dump = try BuiltTool.run("h5tool", ["dump", out, "/layers/dense_3/vars/0", "--values", "--no-summary"])
            weights.append(Data(dump.stdout.split(separator: "\n").dropFirst().joined(separator: "\n").utf8))
        }
        #expect(weights[0] == weights[1])
    }

    /// `--epochs 0` saves the weights as the seed draws them (zero biases, no step taken) and writes no history.
    @Test func zeroEpochsSavesTheInitialWeights() throws {
        let folder = try TemporaryFolder()
        func values(_ name: String, _ object: String) throws -> String {
            let dump = try BuiltTool.run("h5tool", ["dump", folder.path(name), object, "--values", "--no-summary"])
            #expect(dump.status == 0, "\(dump.stderr)")
            return dump.stdout.split(separator: "\n").dropFirst().joined(separator: "\n")
        }
        for (name, seed) in [("a.h5", "7"), ("b.h5", "7"), ("c.h5", "8")] {
            let output = try tool(["train", "--arch", "lenet5", "--epochs", "0", "--seed", seed, "--out", folder.path(name)])
            #expect(output.status == 0, "\(output.stderr)")
            #expect(output.stdout.contains("untrained, as initialised with seed \(seed)"))
        }
        let kernel = "/model_weights/conv2d/sequential/conv2d/kernel"
        #expect(try values("a.h5", kernel) == values("b.h5", kernel))
        #expect(try values("a.h5", kernel) != values("c.h5", kernel))
        #expect(try values("a.h5", "/model_weights/dense/sequential/dense/bias").contains("min 0  max 0"))
        #expect(try values("a.h5", "/optimizer_weights/SGD/iteration").contains("values: [0]"))
        #expect(!FileManager.default.fileExists(atPath: folder.path("a.history.csv")))
        #expect(try tool(["train", "--arch", "lenet5", "--epochs", "-1", "--out", folder.path("d.h5")]).status == 2)
    }

    @Test func resumingAKerasFileRestoresItsAdamState() throws {
        let folder = try TemporaryFolder()
        let out = folder.path("resumed.h5")
        let output = try tool(["train", "--resume", SharedData.reference("MNIST-numbers-cnn.h5"), "--epochs", "1", "--limit", "640",
                                 "--out", out])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stderr.contains("resuming"))
        #expect(output.stderr.contains("Adam state after 18750 steps"))
        // 640 images at batch 32 are 20 more steps; the saved Keras 3 layout stores the iteration first.
        let dump = try BuiltTool.run("h5tool", ["dump", out, "/optimizer_weights/Adam/iteration", "--values", "--no-summary"])
        #expect(dump.stdout.contains("values: [18770]"), "\(dump.stdout)")
        let evaluation = try tool(["evaluate", out])
        let accuracy = try #require(evaluation.stdout.testFigure("accuracy"))
        #expect(accuracy > 0.97)
    }

    /// A config with two outputs, each with its loss and weight, trains from scratch; evaluate reports each
    /// output, predict writes one array per output, named by it, and h5tool names the outputs.
    @Test func aModelWithTwoOutputsTrainsEvaluatesAndPredictsEachOutput() throws {
        let config = #"""
            {"class_name": "Functional", "config": {"name": "heads", "layers": [
              {"class_name": "InputLayer", "name": "image", "config": {"batch_shape": [null, 784], "name": "image"}, "inbound_nodes": []},
              {"class_name": "Dense", "name": "trunk", "config": {"name": "trunk", "units": 32, "activation": "relu"},
               "inbound_nodes": [[["image", 0, 0, {}]]]},
              {"class_name": "Dense", "name": "main", "config": {"name": "main", "units": 10, "activation": "softmax"},
               "inbound_nodes": [[["trunk", 0, 0, {}]]]},
              {"class_name": "Dense", "name": "side", "config": {"name": "side", "units": 10}, "inbound_nodes": [[["trunk", 0, 0, {}]]]}],
             "input_layers": [["image", 0, 0]], "output_layers": [["main", 0, 0], ["side", 0, 0]]},
             "compile_config": {"loss": ["sparse_categorical_crossentropy",
                                         {"class_name": "SparseCategoricalCrossentropy", "config": {"from_logits": true}}],
                                "loss_weights": [1.0, 0.5], "metrics": [["accuracy"], ["accuracy"]], "optimizer": "adam"}}
            """#
        let folder = try TemporaryFolder()
        try config.write(toFile: folder.path("heads.json"), atomically: true, encoding: .utf8)
        let trained = try tool(["train", "--model", folder.path("heads.json"), "--epochs", "1", "--limit", "2000",
                                  "--out", folder.path("heads.keras")])
        #expect(trained.status == 0, "\(trained.stderr)")
        let evaluation = try tool(["evaluate", folder.path("heads.keras"), "--first", "500"])
        #expect(evaluation.status == 0 && evaluation.stdout.testFigure("main_loss") != nil, "\(evaluation.stdout)")
        for name in ["main", "side"] {
            let accuracy = try #require(evaluation.stdout.testFigure("\(name)_accuracy"))
            #expect(accuracy > 0.3, "\(name): \(accuracy) after an epoch on 2,000 images (chance: 0.1)")
        }
        let predicted = try tool(["predict", folder.path("heads.keras"), "--first", "20", "--output", folder.path("p.npy")])
        #expect(predicted.status == 0 && predicted.stdout.contains("array of logits to \(folder.path("p.side.npy"))"), "\(predicted.stdout)")
        for name in ["main", "side"] {
            let bytes = try Data(contentsOf: URL(fileURLWithPath: folder.path("p.\(name).npy")))
            #expect(String(decoding: bytes.prefix(128), as: UTF8.self).contains("'shape': (20, 10)"))
        }
        let shown = try tool(["predict", folder.path("heads.keras"), "--index", "0"])
        #expect(shown.stdout.contains("output main: probabilities") && shown.stdout.contains("output side: logits"), "\(shown.stdout)")
        let dump = try BuiltTool.run("h5tool", ["dump", folder.path("heads.keras")])
        #expect(dump.stdout.contains("3 layers, outputs main, side"), "\(dump.stdout)")
    }

    @Test func validationSplitHoldsOutTheEndOfTheTrainingSet() throws {
        let folder = try TemporaryFolder()
        let output = try tool(["train", "--arch", "lenet5", "--epochs", "1", "--limit", "1000", "--validation-split", "0.2",
                                 "--out", folder.path("m.keras")])
        #expect(output.status == 0)
        #expect(output.stdout.contains("on 800 MNIST images"))
        #expect(output.stdout.contains("validation on the last 200 training images"))
    }

    @Test func progressStaysOneLinePerEpochWhenNotATerminal() throws {
        let folder = try TemporaryFolder()
        let output = try tool(["train", "--arch", "mlp", "--epochs", "2", "--limit", "512", "--out", folder.path("mlp.h5")])
        #expect(output.status == 0)
        #expect(!output.stderr.contains("\r"))
        #expect(output.stdout.split(separator: "\n").filter { $0.hasPrefix("epoch ") }.count == 2)
    }

    @Test func badTrainingArgumentsAreUsageErrors() throws {
        #expect(try tool(["train", "--out", "x.h5"]).status == 2)
        #expect(try tool(["train", "--arch", "lenet5", "--out", "x.txt"]).status == 2)
        #expect(try tool(["train", "--arch", "lenet5", "--out", "x.h5", "--validation-split", "1.5"]).status == 2)
    }
}

extension String {
    /// The number right after the first occurrence of `prefix`.
    func firstMatch(after prefix: String) -> Double? {
        guard let range = range(of: prefix) else { return nil }
        return Double(self[range.upperBound...].prefix { $0.isNumber || $0 == "." })
    }

    /// The figure called `name` on the line the tools print for the test set (`test: loss 0.04 - accuracy 0.98`).
    func testFigure(_ name: String) -> Double? {
        guard let line = split(separator: "\n").first(where: { $0.hasPrefix("test: ") }) else { return nil }
        return (" " + line.dropFirst(6)).firstMatch(after: " \(name) ")
    }
}
