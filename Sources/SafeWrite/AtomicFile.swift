import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Replaces files atomically: the new content is written to a file with no name (Linux `O_TMPFILE`) in the
/// destination folder, given a temporary name only when complete, and renamed over the target. Killed at any
/// point, even by SIGKILL, this leaves the previous file intact and (but for the microseconds between naming
/// and renaming) nothing behind. Elsewhere, and on file systems without `O_TMPFILE`, the temporary file is
/// named from the start and removed on failure. As Keras, h5py and numpy do, the content is left to the
/// system to write to disk (no fsync, which cost a quarter of the time to save a 540 MB model); on ext4 the
/// rename over an existing file makes the system write the new content first.
public enum AtomicFile {
    /// A write that could not be completed; names the destination.
    public struct WriteError: Error, LocalizedError, CustomStringConvertible {
        /// The destination.
        public let path: String
        /// What failed.
        public let reason: String
        public var description: String { "\(path): \(reason)" }
        /// The one-line description.
        public var errorDescription: String? { description }
    }

    /// Writes `bytes` to `path`, replacing any existing file only once they are all written. A file that
    /// another program holds open through libhdf5 (which locks it) is not replaced.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        try write(to: path) { descriptor, _ in try writeAll(bytes, to: descriptor, path: path) }
    }

    /// Writes the file `path` through `fill`, which gets the new file (empty, open for reading and writing) as a
    /// descriptor and as a path that reaches it (for libraries that open files by name), and writes all of it
    /// before it returns; the file replaces any existing one only then. When `fill` throws, nothing is left.
    public static func write(to path: String, with fill: (_ descriptor: Int32, _ reachableAt: String) throws -> Void) throws {
        try checkDestination(path)
        let url = URL(fileURLWithPath: path)
        let folder = url.deletingLastPathComponent().path
        // The lock taken here on an existing file is held until the new file is in place.
        let existing = open(path, O_RDONLY | O_CLOEXEC)
        defer { if existing >= 0 { close(existing) } }
        if existing >= 0, flock(existing, LOCK_EX | LOCK_NB) != 0 {
            throw WriteError(path: path, reason: "is open in another program (it is locked); close it there or write elsewhere")
        }
        let temporary = url.deletingLastPathComponent()
            .appendingPathComponent(".\(url.lastPathComponent).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))").path
        if let unnamed = openUnnamed(in: folder) {
            defer { close(unnamed) }
            let reachable = "/proc/self/fd/\(unnamed)"
            try fill(unnamed, reachable)
            guard linkat(AT_FDCWD, reachable, AT_FDCWD, temporary, AT_SYMLINK_FOLLOW) == 0 else {
                throw WriteError(path: path, reason: "cannot name the new file in \(folder) (\(lastError))")
            }
        } else {
            let named = open(temporary, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            guard named >= 0 else { throw WriteError(path: path, reason: "cannot write into \(folder) (\(lastError))") }
            defer { close(named) }
            do {
                try fill(named, temporary)
            } catch {
                unlink(temporary)
                throw error
            }
        }
        guard rename(temporary, path) == 0 else {
            let reason = lastError
            unlink(temporary)
            throw WriteError(path: path, reason: "cannot replace the file (\(reason))")
        }
    }

    /// Refuses a `path` that ``write(_:to:)`` could not write: one in a folder that does not exist, or a folder
    /// itself. Work that ends in a write checks first, so that it is not spent in vain.
    public static func checkDestination(_ path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw WriteError(path: path, reason: "the folder \(folder) does not exist")
        }
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue {
            throw WriteError(path: path, reason: "is a folder")
        }
    }

    /// A file with no name in `folder` (Linux `O_TMPFILE`), reachable through `/proc/self/fd`; nil when the
    /// system, the file system or a missing `/proc` rules it out.
    private static func openUnnamed(in folder: String) -> Int32? {
        #if canImport(Glibc)
        guard access("/proc/self/fd", F_OK) == 0 else { return nil }
        // O_TMPFILE, which Swift does not import.
        let unnamed = open(folder, 0o20000000 | O_DIRECTORY | O_RDWR | O_CLOEXEC, 0o644)
        return unnamed >= 0 ? unnamed : nil
        #else
        return nil
        #endif
    }

    private static var lastError: String { String(cString: strerror(errno)) }

    /// Writes all of `bytes` at the descriptor's position; `path` names the destination in errors.
    /// Writes all of `bytes` to `descriptor` (a file being written for `path`, which errors name), retrying
    /// short writes.
    public static func writeAll(_ bytes: UnsafeRawBufferPointer, to descriptor: Int32, path: String) throws {
        var offset = 0
        while offset < bytes.count {
            let written = systemWrite(descriptor, bytes.baseAddress! + offset, bytes.count - offset)
            if written < 0 {
                if errno == EINTR { continue }
                throw WriteError(path: path, reason: "cannot write (\(lastError))")
            }
            offset += written
        }
    }

    private static func writeAll(_ bytes: [UInt8], to descriptor: Int32, path: String) throws {
        try bytes.withUnsafeBytes { try writeAll($0, to: descriptor, path: path) }
    }
}

/// write(2), which `AtomicFile.write` hides inside the type.
private func systemWrite(_ descriptor: Int32, _ buffer: UnsafeRawPointer, _ count: Int) -> Int {
    write(descriptor, buffer, count)
}
