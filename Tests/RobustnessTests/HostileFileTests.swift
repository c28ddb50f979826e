import Foundation
import HostileCorpus
import TestSupport
import Testing

/// Damaged and hostile files: every one is refused with exit status 1 and one line naming the file.
@Suite struct HostileFileTests {
    @Test func theCorpusIsLargeAndEveryCaseIsRefusedClearly() throws {
        let folder = try TemporaryFolder()
        let cases = try HostileCorpus.write(into: folder.url.path, references: SharedData.directory.appendingPathComponent("keras-reference").path)
        #expect(cases.count >= 30)
        for item in cases {
            let arch = item.name.hasSuffix(".weights.h5") && !item.name.hasPrefix("unrecognisable") ? ["--arch", "lenet5"] : []
            let output = try BuiltTool.run("digits", ["evaluate", item.path, "--data", SharedData.mnist] + arch)
            #expect(output.status == 1, "\(item.name): exit \(output.status), \(output.stdout) \(output.stderr)")
            let lines = output.stderr.split(separator: "\n")
            #expect(lines.count == 1, "\(item.name): \(output.stderr)")
            #expect(output.stderr.hasPrefix("digits: error: \(item.path)"), "\(item.name): \(output.stderr)")
            if !item.expected.isEmpty {
                #expect(output.stderr.contains(item.expected), "\(item.name): expected \(item.expected), got \(output.stderr)")
            }
            // h5tool may accept what is sound HDF5 (a wrong layer class is digits' concern), but never crashes.
            let dump = try BuiltTool.run("h5tool", ["dump", item.path])
            #expect(dump.status == 0 || dump.status == 1, "\(item.name): h5tool exit \(dump.status)")
            if dump.status == 1 { #expect(dump.stderr.split(separator: "\n").count == 1, "\(item.name): \(dump.stderr)") }
        }
    }

    @Test func nanWeightsAreReportedButLoaded() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("nan.weights.h5")
        try FileManager.default.copyItem(atPath: SharedData.reference("LeNet5.weights.h5"), toPath: path)
        let handle = try FileHandle(forUpdating: URL(fileURLWithPath: path))
        defer { try? handle.close() }
        // The kernel of conv2d is stored contiguously; overwrite its first value with a NaN.
        let output = try BuiltTool.run("h5tool", ["dump", path, "/layers/conv2d/vars/0", "--json", "--no-summary"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(output.stdout.utf8)) as? [String: Any])
        let tree = try #require(json["tree"] as? [String: Any])
        let offset = try #require(tree["offset"] as? Int)
        try handle.seek(toOffset: UInt64(offset))
        try handle.write(contentsOf: Data([0x00, 0x00, 0xc0, 0x7f]))
        let evaluation = try BuiltTool.run("digits", ["evaluate", path, "--data", SharedData.mnist])
        #expect(evaluation.status == 0)
        #expect(evaluation.stderr.contains("note: /layers/conv2d/vars/0: 1 of 150 values are NaN or infinite"))
    }
}
