import Foundation

/// A fuzzer-found input kept as an edit script over one of the real notebook files
/// (`tools/fuzz_regression.py`), so that no copy of those files is committed.
public struct FuzzRegression: Sendable {
    public let name: String
    public let bytes: [UInt8]

    /// Every regression under `fixtures/fuzz-regressions/`, rebuilt from the shared reference files.
    public static func all() throws -> [FuzzRegression] {
        let folder = SharedData.fixture("fuzz-regressions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        return try names.filter { $0.hasSuffix(".json") }.sorted().map { name in
            let data = try Data(contentsOf: URL(fileURLWithPath: folder + "/" + name))
            guard let patch = try JSONSerialization.jsonObject(with: data) as? [String: Any],
                  let base = patch["base"] as? String, let edits = patch["edits"] as? [[Any]] else {
                throw CocoaError(.fileReadCorruptFile)
            }
            var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: SharedData.reference(base))))
            for edit in edits.sorted(by: { ($0[0] as? Int ?? 0) > ($1[0] as? Int ?? 0) }) {
                guard let start = edit[0] as? Int, let end = edit[1] as? Int, let hex = edit[2] as? String else { continue }
                let replacement = stride(from: 0, to: hex.count, by: 2).compactMap { offset -> UInt8? in
                    let index = hex.index(hex.startIndex, offsetBy: offset)
                    return UInt8(hex[index..<hex.index(index, offsetBy: 2)], radix: 16)
                }
                bytes.replaceSubrange(start..<end, with: replacement)
            }
            return FuzzRegression(name: String(name.dropLast(5)), bytes: bytes)
        }
    }
}
