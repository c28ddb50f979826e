import Foundation
import HostileCorpus
import TestSupport
import Testing

/// Damaged and hostile files: every tool use gives each its outcome (a one-line refusal naming the file and
/// leaving nothing written, or success), and none crashes or hangs.
@Suite struct HostileFileTests {
    /// Seconds any one run may take: far more than a refusal, a conversion or the corpus's short trainings
    /// need, so only a hang reaches it.
    static let timeout: TimeInterval = 180

    @Test func everyCaseGetsItsOutcomeFromEveryUse() throws {
        let folder = try TemporaryFolder()
        let cases = try HostileCorpus.write(into: folder.url.path, references: SharedData.directory.appendingPathComponent("keras-reference").path)
        #expect(cases.count >= 100)
        for use in HostileCorpus.Use.allCases { #expect(cases.contains { $0.outcomes[use] != nil }, "no case for \(use)") }
        let runs = cases.flatMap { item in item.outcomes.map { (item, $0.key, $0.value) } }
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: runs.count) { index in
            let (item, use, outcome) = runs[index]
            do {
                try failures.add(Self.check(item, use: use, outcome: outcome, scratch: folder.path("run-\(index)")))
            } catch {
                failures.add(["\(item.name) \(use): \(error)"])
            }
        }
        for failure in failures.all { Issue.record(Comment(rawValue: failure.replacingOccurrences(of: "\n", with: " | "))) }
        // h5tool may accept what is sound HDF5 (a wrong layer class is keras-swift's concern), but never crashes.
        for item in cases where !item.name.hasSuffix(".json") {
            let dump = try BuiltTool.run("h5tool", ["dump", item.path], timeout: Self.timeout)
            #expect(dump.status == 0 || dump.status == 1, "\(item.name): h5tool exit \(dump.status)")
            if dump.status == 1 { #expect(dump.stderr.split(separator: "\n").count == 1, "\(item.name): \(dump.stderr)") }
        }
    }

    /// Runs one use of one case in an empty folder of its own and returns what went wrong.
    static func check(_ item: HostileCorpus.Case, use: HostileCorpus.Use, outcome: HostileCorpus.Outcome, scratch: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        let arch = item.isLeNetWeights ? ["--arch", "lenet5"] : []
        let data = ["--data", SharedData.mnist]
        let training = data + ["--epochs", "1", "--limit", "64", "--validation-split", "0.5", "--out", scratch + "/trained.keras"]
        let arguments: [String] = switch use {
        case .evaluate: ["evaluate", item.path, "--first", "20"] + data + arch
        case .predict: ["predict", item.path, "--index", "0"] + data + arch
        case .convert: ["convert", item.path, scratch + "/converted.keras"] + arch
        case .resume: ["train", "--resume", item.path] + training + arch
        case .trainConfig: ["train", "--model", item.path] + training
        }
        let output = try BuiltTool.run("keras-swift", arguments, timeout: timeout)
        let label = "\(item.name) \(use)"
        let left = try FileManager.default.contentsOfDirectory(atPath: scratch)
        switch outcome {
        case .refused(let fragment):
            var problems: [String] = []
            if output.status != 1 { problems.append("\(label): exit \(output.status), expected a refusal; \(output.stderr)") }
            let lines = output.stderr.split(separator: "\n").filter { !$0.hasPrefix("note: ") }
            if lines.count != 1 || !output.stderr.contains("keras-swift: error: ") { problems.append("\(label): not one error line: \(output.stderr)") }
            if !lines.contains(where: { $0.contains(item.path) }) { problems.append("\(label): the error does not name the file: \(output.stderr)") }
            if !fragment.isEmpty, !output.stderr.contains(fragment) { problems.append("\(label): expected \(fragment), got \(output.stderr)") }
            if !left.isEmpty { problems.append("\(label): refused, yet left \(left)") }
            return problems
        case .accepted:
            guard output.status == 0 else { return ["\(label): exit \(output.status), expected success; \(output.stderr)"] }
            let written = use == .convert ? "converted.keras" : "trained.keras"
            if [.convert, .resume, .trainConfig].contains(use), !left.contains(written) { return ["\(label): wrote \(left), not \(written)"] }
            if ["loss nan", "loss inf", "loss -inf"].contains(where: output.stdout.contains) {
                return ["\(label): accepted, but printed a loss that is not finite: \(output.stdout)"]
            }
            return []
        }
    }

    /// Problems found by concurrent runs.
    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private var problems: [String] = []
        func add(_ more: [String]) { lock.withLock { problems += more } }
        var all: [String] { lock.withLock { problems } }
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
        let evaluation = try BuiltTool.run("keras-swift", ["evaluate", path, "--data", SharedData.mnist])
        #expect(evaluation.status == 0)
        #expect(evaluation.stderr.contains("note: /layers/conv2d/vars/0: 1 of 150 values are NaN or infinite"))
    }
}
