import CHDF5
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What every group and dataset of an open file keeps alive while it lives.
enum FileBacking: Sendable {
    /// A disk file, locked as libhdf5 and h5py lock it.
    case disk(FileLock)
    /// A file image that libhdf5 reads in place.
    case image(FileImage)

    /// Where the HDF5 file's bytes can be read from with `pread`: a descriptor, where the HDF5 file starts in
    /// it and how many bytes it has; nil for an image with no disk file.
    var readable: (descriptor: Int32, start: Int, count: Int)? {
        switch self {
        case .disk(let lock):
            var status = stat()
            guard fstat(lock.descriptor, &status) == 0 else { return nil }
            return (lock.descriptor, 0, Int(status.st_size))
        case .image(let image):
            return image.source.map { ($0.descriptor, $0.offset, image.count) }
        }
    }
}

/// The memory an HDF5 file image lies in: bytes of its own, or a stretch of a disk file (an uncompressed
/// `.keras` member) mapped read-only. libhdf5's in-memory driver copies every image it is given unless the
/// application's callbacks hand it the memory; these hand it this memory each time and keep it alive until
/// libhdf5 lets go of its last reference.
final class FileImage: @unchecked Sendable {
    /// The image's first byte.
    let base: UnsafeMutableRawPointer
    /// The image's size in bytes.
    let count: Int
    /// For an image inside a disk file: the file, open for reading, and where the image starts in it.
    let source: (descriptor: Int32, offset: Int)?
    /// The shared lock on that file.
    private let lock: FileLock?
    /// What the mapping spans, when the image is mapped.
    private let mapping: (start: UnsafeMutableRawPointer, length: Int)?

    /// A copy of `bytes`.
    init(bytes: [UInt8]) {
        let memory = UnsafeMutableRawPointer.allocate(byteCount: max(1, bytes.count), alignment: 64)
        bytes.withUnsafeBytes { if let from = $0.baseAddress { memory.copyMemory(from: from, byteCount: $0.count) } }
        base = memory
        count = bytes.count
        source = nil
        lock = nil
        mapping = nil
    }

    /// Bytes `region` of the file at `path`, mapped (private and copy-on-write, so nothing reaches the file).
    init(path: String, region: Range<Int>) throws {
        lock = try FileLock(path: path, exclusive: false)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw HDF5Error(file: path, reason: "cannot open the file (\(String(cString: strerror(errno))))") }
        var status = stat()
        guard fstat(descriptor, &status) == 0, region.lowerBound >= 0, !region.isEmpty, region.upperBound <= Int(status.st_size) else {
            close(descriptor)
            throw HDF5Error(file: path, reason: "bytes \(region.lowerBound)..<\(region.upperBound) are not all in the file")
        }
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = region.lowerBound / page * page
        let length = region.upperBound - start
        guard let mapped = mmap(nil, length, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, off_t(start)), mapped != MAP_FAILED else {
            close(descriptor)
            throw HDF5Error(file: path, reason: "cannot map the file (\(String(cString: strerror(errno))))")
        }
        mapping = (mapped, length)
        base = mapped + (region.lowerBound - start)
        count = region.count
        source = (descriptor, region.lowerBound)
    }

    deinit {
        if let mapping {
            munmap(mapping.start, mapping.length)
        } else {
            base.deallocate()
        }
        if let source { close(source.descriptor) }
    }

    /// A file access property list for libhdf5's in-memory driver, opening this image in place.
    func accessList(base access: Handle, name: String) throws -> Handle {
        try checked(H5Pset_fapl_core(access.id, 1 << 20, false), file: name, object: nil, action: "cannot select the in-memory driver")
        var callbacks = H5FD_file_image_callbacks_t(
            image_malloc: { _, _, udata in FileImage.from(udata)?.base },
            image_memcpy: { destination, source, size, _, _ in
                if let destination, let source, destination != UnsafeMutableRawPointer(mutating: source) {
                    destination.copyMemory(from: source, byteCount: size)
                }
                return destination
            },
            image_realloc: { _, _, _, _ in nil },
            image_free: { _, _, _ in 0 },
            udata_copy: { udata in
                if let udata { _ = Unmanaged<FileImage>.fromOpaque(udata).retain() }
                return udata
            },
            udata_free: { udata in
                if let udata { Unmanaged<FileImage>.fromOpaque(udata).release() }
                return 0
            },
            udata: Unmanaged.passUnretained(self).toOpaque())
        // libhdf5 takes its own reference (udata_copy) when the callbacks are set, before the image is.
        try withExtendedLifetime(self) {
            try checked(H5Pset_file_image_callbacks(access.id, &callbacks), file: name, object: nil, action: "cannot set the file image callbacks")
            try checked(H5Pset_file_image(access.id, base, count), file: name, object: nil, action: "cannot load the file image")
        }
        return access
    }

    private static func from(_ udata: UnsafeMutableRawPointer?) -> FileImage? {
        udata.map { Unmanaged<FileImage>.fromOpaque($0).takeUnretainedValue() }
    }
}
