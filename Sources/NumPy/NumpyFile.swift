import Foundation
import SafeWrite

/// Whole files in and out, with errors that name the file.
enum NumpyFile {
    /// The bytes of `path`, refused past `limit`.
    static func contents(_ path: String, limit: Int) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw NumpyError(file: path, reason: "no such file")
        }
        guard !isDirectory.boolValue else { throw NumpyError(file: path, reason: "is a folder, not a file") }
        let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        guard size <= limit else { throw NumpyError(file: path, reason: "\(size) bytes is larger than the limit of \(limit)") }
        guard let data = FileManager.default.contents(atPath: path) else { throw NumpyError(file: path, reason: "cannot be read") }
        return [UInt8](data)
    }

    /// Writes `bytes` to `path` whole or not at all.
    static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try AtomicFile.write(bytes, to: path)
        } catch {
            throw NumpyError(file: path, reason: "cannot be written (\(error))")
        }
    }
}
