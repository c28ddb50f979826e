import Foundation
import KerasFormat
import TestSupport
import Testing

/// `keras-swift evaluate` and `keras-swift predict` as a user runs them.
@Suite struct ToolEvaluateTests {
    private func tool(_ arguments: [String], environment: [String: String] = [:]) throws -> ProcessOutput {
        try BuiltTool.run("keras-swift", arguments, environment: environment)
    }

    @Test(arguments: [
        (["LeNet5.weights.h5", "--arch", "lenet5"], "test: loss 0.0406 - accuracy 0.9868"),
        (["LeNet5.h5"], "test: loss 0.0406 - accuracy 0.9868"),
        (["MNIST-numbers-cnn.h5"], "test: loss 0.0609 - accuracy 0.9822"),
    ])
    func evaluatePrintsTheNotebookFigures(arguments: [String], expected: String) throws {
        let output = try tool(["evaluate", SharedData.reference(arguments[0])] + arguments.dropFirst() + ["--data", SharedData.mnist])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains(expected), "\(output.stdout)")
        #expect(output.stdout.contains("samples/s)"))
    }

    @Test func aWeightsOnlyFileTakesItsModelFromAConfig() throws {
        let folder = try TemporaryFolder()
        let full = try ModelLoader.load(SharedData.reference("LeNet5.h5"))
        let config = folder.path("config.json")
        try Data(ConfigWriter.archiveConfig(full.model, optimizer: nil).pythonJSON.utf8).write(to: URL(fileURLWithPath: config))
        let output = try tool(["evaluate", SharedData.reference("LeNet5.weights.h5"), "--config", config, "--data", SharedData.mnist])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("test: loss 0.0406 - accuracy 0.9868"), "\(output.stdout)")
        let refused = try tool(["evaluate", SharedData.reference("LeNet5.h5"), "--config", config, "--data", SharedData.mnist])
        #expect(refused.status == 1 && refused.stderr.hasPrefix("keras-swift: error: \(config): the config is for a weights-only file"),
                "\(refused.stderr)")
    }

    @Test func evaluateReadsTheDataFolderFromTheEnvironment() throws {
        let output = try tool(["evaluate", SharedData.reference("LeNet5.h5"), "--json"], environment: ["MNIST_DIR": SharedData.mnist])
        #expect(output.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        #expect(json["accuracy"] as? Double == 0.9868)
    }

    @Test func missingDataSaysWhereItLooked() throws {
        let home = try TemporaryFolder()
        let output = try tool(["evaluate", SharedData.reference("LeNet5.h5")], environment: ["MNIST_DIR": "", "HOME": home.url.path])
        #expect(output.status == 1)
        #expect(output.stderr.hasPrefix("keras-swift: error: MNIST data not found; looked at $MNIST_DIR (not set)"))
        #expect(output.stderr.split(separator: "\n").count == 1)
    }

    @Test func badModelFilesExitOneNamingTheFile() throws {
        let folder = try TemporaryFolder()
        let text = folder.path("model.h5")
        try "not a model".write(toFile: text, atomically: true, encoding: .utf8)
        for path in [text, folder.path("missing.h5"), folder.url.path] {
            let output = try tool(["evaluate", path, "--data", SharedData.mnist])
            #expect(output.status == 1)
            #expect(output.stderr.hasPrefix("keras-swift: error: \(path): "), "\(output.stderr)")
            #expect(output.stderr.split(separator: "\n").count == 1)
        }
    }

    @Test func predictShowsProbabilitiesForATestImage() throws {
        let output = try tool(["predict", SharedData.reference("LeNet5.h5"), "--index", "0", "--data", SharedData.mnist])
        #expect(output.status == 0)
        #expect(output.stdout.contains("predicted digit: 7"))
        #expect(output.stdout.contains(", correct"))
        #expect(output.stdout.split(separator: "\n").filter { $0.hasPrefix("  ") }.count == 10)
    }

    @Test func predictReadsAPictureFile() throws {
        let folder = try TemporaryFolder()
        // Test image 1 (a 2) drawn dark on light paper at 3x size.
        let pixels = try mnistTestImage(1)
        var big = [UInt8](repeating: 0, count: 84 * 84)
        for y in 0..<84 { for x in 0..<84 { big[y * 84 + x] = 255 - pixels[(y / 3) * 28 + x / 3] } }
        let png = folder.path("two.png")
        try writeGrayPNG(big, width: 84, height: 84, to: png)
        let output = try tool(["predict", SharedData.reference("MNIST-numbers-cnn.h5"), png])
        #expect(output.status == 0, "\(output.stderr)")
        #expect(output.stdout.contains("predicted digit: 2"))
        #expect(output.stderr.contains("inverted it"))
    }

    @Test func predictWritesNumpyProbabilities() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("probs.npy")
        let output = try tool(["predict", SharedData.reference("LeNet5.weights.h5"), "--first", "100", "--output", path,
                                 "--data", SharedData.mnist])
        #expect(output.status == 0)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.prefix(6) == Data([0x93] + Array("NUMPY".utf8)))
        #expect(String(decoding: bytes.prefix(128), as: UTF8.self).contains("'shape': (100, 10)"))
        #expect(bytes.count == 128 + 100 * 10 * 4)
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try tool(["predict", SharedData.reference("LeNet5.h5")]).status == 2)
        #expect(try tool(["predict", SharedData.reference("LeNet5.h5"), "--first", "3"]).status == 2)
        #expect(try tool(["evaluate", SharedData.reference("LeNet5.h5"), "--arch", "resnet"]).status == 2)
        #expect(try tool(["evaluate", SharedData.reference("LeNet5.h5"), "--batch-size", "0"]).status == 2)
    }
}

/// Test image `index` of genuine MNIST, read directly from the gzipped IDX file with gzip(1).
func mnistTestImage(_ index: Int) throws -> [UInt8] {
    let output = Process()
    output.executableURL = URL(fileURLWithPath: "/bin/gzip")
    output.arguments = ["-dc", SharedData.mnist + "/t10k-images-idx3-ubyte.gz"]
    let pipe = Pipe()
    output.standardOutput = pipe
    try output.run()
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    output.waitUntilExit()
    let start = 16 + index * 784
    return [UInt8](data[start..<start + 784])
}
