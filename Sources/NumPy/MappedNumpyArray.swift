import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A `.npy` file mapped into memory instead of read: its header is parsed at once, its rows are read by the
/// operating system page by page as they are asked for, so an array larger than memory can feed a model.
/// Refused like ``NumpyArray/read(_:)`` refuses a file (missing, truncated, Fortran-ordered, big-endian,
/// objects), and when it holds a single value rather than rows.
public final class MappedNumpyArray: @unchecked Sendable {
    /// The file.
    public let path: String
    /// The dimensions; the first counts the rows (samples).
    public let shape: [Int]
    /// The type of the elements.
    public let elementType: NumpyArray.ElementType
    /// Elements per row: the product of every dimension but the first.
    public let rowSize: Int
    private let mapping: UnsafeMutableRawPointer?
    private let length: Int
    private let dataStart: Int

    /// The number of rows.
    public var rows: Int { shape[0] }

    /// Maps `path` read-only.
    public init(_ path: String) throws {
        func fail(_ reason: String) -> NumpyError { NumpyError(file: path, reason: reason) }
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { throw fail("no such file") }
        guard !isDirectory.boolValue else { throw fail("is a folder, not a file") }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw fail("cannot be read (\(String(cString: strerror(errno))))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw fail("cannot be read (\(String(cString: strerror(errno))))") }
        let length = Int(status.st_size)
        guard length > 0 else { throw fail("not a .npy array (the file is empty)") }
        guard let mapping = mmap(nil, length, PROT_READ, MAP_PRIVATE, descriptor, 0), mapping != MAP_FAILED else {
            throw fail("cannot be mapped (\(String(cString: strerror(errno))))")
        }
        let headerBytes = [UInt8](UnsafeRawBufferPointer(start: mapping, count: min(length, NumpyHeader.maximumLength + 12)))
        do {
            let (header, dataStart) = try NumpyHeader.parse(headerBytes, file: path)
            guard let first = header.shape.first else { throw fail("holds a single value, not rows of samples") }
            let count = NumpyArray.elementCount(header.shape) ?? 0
            let (bytes, overflow) = count.multipliedReportingOverflow(by: header.elementType.size)
            guard !overflow, bytes == length - dataStart else {
                throw fail("holds \(length - dataStart) bytes of data where its header promises shape \(describe(header.shape)) of "
                           + "\(header.elementType.name) (truncated?)")
            }
            self.path = path
            shape = header.shape
            elementType = header.elementType
            rowSize = first == 0 ? NumpyArray.elementCount(Array(header.shape.dropFirst())) ?? 0 : count / first
            self.mapping = mapping
            self.length = length
            self.dataStart = dataStart
        } catch {
            munmap(mapping, length)
            throw error
        }
    }

    deinit {
        munmap(mapping, length)
    }

    /// Writes the elements of the rows `rows` (in that order) one after another to `destination` as float32,
    /// converted as NumPy's `astype(np.float32)` does. Each row index must be below ``rows``.
    public func floats(rows: UnsafeBufferPointer<Int>, into destination: UnsafeMutablePointer<Float>) {
        guard let mapping else { return }
        let data = UnsafeRawPointer(mapping) + dataStart, rowBytes = rowSize * elementType.size
        for (position, row) in rows.enumerated() {
            elementType.convert(data + row * rowBytes, count: rowSize, into: destination + position * rowSize)
        }
    }
}
