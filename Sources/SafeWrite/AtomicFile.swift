import Foundation

/// Replaces files atomically: the content is written to a temporary file in the destination folder and
/// renamed over the target only once complete, so an existing file is never left half-written.
public enum AtomicFile {
    /// A write that could not be completed; names the destination.
    public struct WriteError: Error, LocalizedError, CustomStringConvertible {
        public let path: String
        public let reason: String
        public var description: String { "\(path): \(reason)" }
        public var errorDescription: String? { description }
    }

    /// Calls `body` with a temporary path beside `path`, then renames it to `path`. If `body` throws, or the
    /// rename fails, the temporary file is removed and `path` is untouched.
    public static func replace<T>(_ path: String, _ body: (String) throws -> T) throws -> T {
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WriteError(path: path, reason: "the folder \(folder) does not exist")
        }
        guard FileManager.default.isWritableFile(atPath: folder) else {
            throw WriteError(path: path, reason: "the folder \(folder) is not writable")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw WriteError(path: path, reason: "is a folder")
        }
        // A file another program holds open through libhdf5 (which locks it) is not replaced under it; the
        // lock taken here is held until the new file is in place.
        let existing = open(path, O_RDONLY | O_CLOEXEC)
        defer { if existing >= 0 { close(existing) } }
        if existing >= 0, flock(existing, LOCK_EX | LOCK_NB) != 0 {
            throw WriteError(path: path, reason: "is open in another program (it is locked); close it there or write elsewhere")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        do {
            let result = try body(temporary)
            guard rename(temporary, path) == 0 else {
                throw WriteError(path: path, reason: "cannot replace the file (\(String(cString: strerror(errno))))")
            }
            return result
        } catch {
            try? FileManager.default.removeItem(atPath: temporary)
            throw error
        }
    }

    /// Writes bytes atomically to `path`.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try replace(path) { temporary in
            guard FileManager.default.createFile(atPath: temporary, contents: Data(bytes)) else {
                throw WriteError(path: path, reason: "cannot write (\(String(cString: strerror(errno))))")
            }
        }
    }
}
