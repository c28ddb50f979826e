import CGzip
import Foundation

/// Reads a whole file through zlib, which passes uncompressed files through unchanged.
enum GzipReader {
    /// The decompressed bytes, refusing to produce more than `limit` bytes.
    static func read(_ path: String, limit: Int) throws -> [UInt8] {
        guard let file = gzopen(path, "rb") else {
            throw MNISTError(file: path, reason: FileManager.default.fileExists(atPath: path) ? "cannot be opened" : "no such file")
        }
        defer { gzclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let read = chunk.withUnsafeMutableBytes { gzread(file, $0.baseAddress, UInt32($0.count)) }
            if read < 0 {
                var code: Int32 = 0
                let message = gzerror(file, &code).map { String(cString: $0) } ?? "read error"
                throw MNISTError(file: path, reason: "damaged gzip data (\(message))")
            }
            if read == 0 { break }
            bytes += chunk.prefix(Int(read))
            if bytes.count > limit { throw MNISTError(file: path, reason: "decompresses to more than \(limit) bytes") }
        }
        return bytes
    }
}
