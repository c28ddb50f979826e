import Foundation
import TestSupport
import Testing

/// `h5tool` as a user runs it: output on the real files, exit codes and one-line errors.
@Suite struct H5ToolTests {
    static let referenceFolder = SharedData.directory.appendingPathComponent("keras-reference").path
    static let referenceFiles = ["LeNet5.h5", "LeNet5.weights.h5", "MNIST-numbers-cnn.h5"]

    private func h5tool(_ arguments: [String]) throws -> ProcessOutput {
        try BuiltTool.run("h5tool", arguments, currentDirectory: Self.referenceFolder)
    }

    @Test(arguments: referenceFiles)
    func dumpMatchesTheGoldenOutput(file: String) throws {
        let output = try h5tool(["dump", file])
        #expect(output.status == 0)
        #expect(output.stderr.isEmpty)
        #expect(try matchesGolden(output.stdout, "dump-\(file).txt"))
    }

    @Test(arguments: referenceFiles)
    func lsMatchesTheGoldenOutput(file: String) throws {
        let output = try h5tool(["ls", file])
        #expect(output.status == 0)
        #expect(try matchesGolden(output.stdout, "ls-\(file).txt"))
    }

    @Test func lsAgreesWithH5lsOnTheRealFiles() throws {
        for file in Self.referenceFiles {
            let ours = try h5tool(["ls", file]).stdout
            let theirs = try runProcess("/usr/bin/h5ls", ["-r", file], currentDirectory: Self.referenceFolder).stdout
            #expect(ours == theirs, "h5tool ls and h5ls -r differ on \(file)")
        }
    }

    @Test func summaryCountsParametersAndOptimizerStateSeparately() throws {
        let output = try h5tool(["dump", "MNIST-numbers-cnn.h5"]).stdout
        #expect(output.contains("parameters: 27,594 in 14 weight arrays"))
        #expect(output.contains("optimizer state: Adam, 29 variables holding 55,189 values"))
        #expect(output.contains("all stored values: 82,783 = 27,594 parameters + 55,189 optimizer values"))
    }

    @Test func fullPrintsTheWholeModelConfig() throws {
        let short = try h5tool(["dump", "LeNet5.h5"]).stdout
        let full = try h5tool(["dump", "LeNet5.h5", "--full"]).stdout
        #expect(short.contains("(3,801 characters; --full shows all)"))
        #expect(!full.contains("--full shows all"))
        #expect(full.contains(#"\"build_input_shape\": [null, 32, 32, 1]}}"#))
    }

    @Test func valuesShowsFirstValuesAndStatistics() throws {
        let output = try h5tool(["dump", "LeNet5.h5", "/model_weights/dense_2/sequential/dense_2/bias", "--values", "--no-summary"])
        #expect(output.status == 0)
        #expect(output.stdout.contains("values: [-0.06307101, 0.06442069, 0.0760874, 0.03834834"))
        #expect(output.stdout.contains("min -0.1063328  max 0.09740859"))
        #expect(output.stdout.contains("NaN 0"))
    }

    @Test func jsonCarriesTheSummaryAndTheTree() throws {
        let output = try h5tool(["dump", "LeNet5.weights.h5", "--json"])
        #expect(output.status == 0)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let keras = try #require(json["keras"] as? [String: Any])
        #expect(keras["format"] as? String == "Keras 3 .weights.h5")
        #expect(keras["parameters"] as? Int == 61706)
        #expect(keras["stored_values"] as? Int == 61708)
        let tree = try #require(json["tree"] as? [String: Any])
        let children = try #require(tree["children"] as? [[String: Any]])
        #expect(children.map { $0["name"] as? String } == ["layers", "optimizer", "vars"])
    }

    @Test func badFilesExitOneWithOneLineNamingTheFile() throws {
        let folder = try TemporaryFolder()
        let empty = folder.path("empty.h5")
        let text = folder.path("notes.txt")
        let truncated = folder.path("truncated.h5")
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        try "not hdf5\n".write(toFile: text, atomically: true, encoding: .utf8)
        let real = try Data(contentsOf: URL(fileURLWithPath: SharedData.reference("LeNet5.h5")))
        try real.prefix(real.count / 3).write(to: URL(fileURLWithPath: truncated))
        let cases: [(String, String)] = [
            (folder.path("missing.h5"), "no such file"),
            (folder.url.path, "is a folder"),
            (empty, "not an HDF5 file (the file is empty)"),
            (text, "not an HDF5 file"),
            (truncated, "truncated file"),
        ]
        for (path, reason) in cases {
            for command in ["dump", "ls"] {
                let output = try h5tool([command, path])
                #expect(output.status == 1, "\(command) \(path)")
                #expect(output.stdout.isEmpty)
                let lines = output.stderr.split(separator: "\n")
                #expect(lines.count == 1, "\(command) \(path): \(output.stderr)")
                #expect(output.stderr.hasPrefix("h5tool: error: \(path): "))
                #expect(output.stderr.contains(reason), "\(output.stderr)")
            }
        }
    }

    @Test func missingObjectExitsOne() throws {
        let output = try h5tool(["dump", "LeNet5.h5", "/model_weights/nothing"])
        #expect(output.status == 1)
        #expect(output.stderr == "h5tool: error: LeNet5.h5: /model_weights/nothing: no such group or dataset\n")
    }

    @Test func usageErrorsExitTwo() throws {
        #expect(try h5tool(["dump"]).status == 2)
        #expect(try h5tool(["dump", "LeNet5.h5", "--bogus"]).status == 2)
        #expect(try h5tool(["frobnicate"]).status == 2)
        let help = try h5tool(["dump", "--help"])
        #expect(help.status == 0)
        #expect(help.stdout.contains("--values"))
    }
}
