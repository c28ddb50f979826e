import Foundation
import ZIPFoundation

/// A NumPy `.npz` file: named arrays in a zip archive, as `np.savez` and `np.savez_compressed` write them.
public enum NumpyArchive {
    /// The arrays of the `.npz` at `path`, by name (the entry's name without `.npy`), in the archive's order.
    public static func read(_ path: String) throws -> [(name: String, array: NumpyArray)] {
        _ = try NumpyFile.contents(path, limit: .max) // the file's own errors first: missing, a folder
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw NumpyError(file: path, reason: "not a .npz (zip) archive")
        }
        var arrays: [(String, NumpyArray)] = []
        for entry in archive where entry.type == .file {
            guard entry.path.hasSuffix(".npy") else { continue }
            let name = String(entry.path.dropLast(4)), file = "\(path)/\(entry.path)"
            guard entry.uncompressedSize <= UInt64(NumpyArray.maximumBytes) else {
                throw NumpyError(file: file, reason: "\(entry.uncompressedSize) bytes is larger than the limit of \(NumpyArray.maximumBytes)")
            }
            var data = Data()
            do {
                _ = try archive.extract(entry, skipCRC32: false) { data.append($0) }
            } catch {
                throw NumpyError(file: file, reason: "cannot be extracted (\(error))")
            }
            arrays.append((name, try NumpyArray.parse([UInt8](data), file: file)))
        }
        return arrays
    }

    /// Writes `arrays` to `path` as an uncompressed `.npz` (`np.savez`), replacing it whole or not at all.
    public static func write(_ arrays: [(name: String, array: NumpyArray)], to path: String) throws {
        let archive: Archive
        do {
            archive = try Archive(data: Data(), accessMode: .create)
            for (name, array) in arrays {
                let bytes = Data(array.fileBytes)
                try archive.addEntry(with: name + ".npy", type: .file, uncompressedSize: Int64(bytes.count), compressionMethod: .none) {
                    position, size in bytes.subdata(in: Data.Index(position)..<Data.Index(position) + size)
                }
            }
        } catch {
            throw NumpyError(file: path, reason: "cannot be built (\(error))")
        }
        try NumpyFile.write([UInt8](archive.data ?? Data()), to: path)
    }
}
