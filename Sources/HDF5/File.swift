import CHDF5
import Foundation

/// An open HDF5 file. Its root group is ``root``; the file closes when the last object from it is released.
public final class File: Sendable {
    /// How an existing file is opened.
    public enum Mode: Sendable { case readOnly, readWrite }

    let handle: Handle
    /// The path as given when opening or creating.
    public let path: String
    /// Held by every group and dataset of the file: its lock, or the image it is read from; `nil` for files
    /// created in memory.
    let backing: FileBacking?

    private init(handle: Handle, path: String, backing: FileBacking?) {
        self.handle = handle
        self.path = path
        self.backing = backing
    }

    /// Marks the file descriptor libhdf5 opened (disk files only) close-on-exec, so that child processes do not
    /// keep the file open. The sec2 driver's handle points to the descriptor, the stdio driver's to its `FILE *`.
    private func closeOnExec(stdioDriver: Bool = false) {
        var pointer: UnsafeMutableRawPointer?
        ErrorStack.silence()
        guard H5Fget_vfd_handle(handle.id, defaultProperties, &pointer) >= 0, let pointer else {
            ErrorStack.clear()
            return
        }
        let descriptor = stdioDriver ? fileno(pointer.load(as: UnsafeMutablePointer<FILE>.self)) : pointer.load(as: Int32.self)
        let flags = fcntl(descriptor, F_GETFD)
        if flags >= 0 { _ = fcntl(descriptor, F_SETFD, flags | FD_CLOEXEC) }
    }

    /// Opens an existing HDF5 file, after checking that the path names a readable HDF5 file.
    public static func open(_ path: String, mode: Mode = .readOnly) throws -> File {
        try checkReadableRegularFile(path)
        ErrorStack.silence()
        let signature = H5Fis_hdf5(path)
        if signature == 0 {
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? nil
            throw HDF5Error(file: path, reason: size == 0 ? "not an HDF5 file (the file is empty)" : "not an HDF5 file (no HDF5 signature)")
        }
        if signature < 0 { throw HDF5Error.fromErrorStack(file: path, object: nil, action: "cannot read the file") }
        let lock = try FileLock(path: path, exclusive: mode == .readWrite)
        let flags = mode == .readOnly ? chdf5_acc_rdonly() : chdf5_acc_rdwr()
        let access = try diskAccess(name: path)
        let id = try checked(H5Fopen(path, flags, access.id), file: path, object: nil,
                             action: "damaged or unreadable HDF5 file")
        let file = File(handle: Handle(id, .file), path: path, backing: .disk(lock))
        file.closeOnExec()
        return file
    }

    /// Creates a new, empty HDF5 file; an existing file is replaced only when `overwrite` is true.
    public static func create(_ path: String, overwrite: Bool = false) throws -> File {
        // An existing file is locked before it is truncated, so one open elsewhere survives.
        let existingLock = overwrite && FileManager.default.fileExists(atPath: path) ? try FileLock(path: path, exclusive: true) : nil
        let flags = overwrite ? chdf5_acc_trunc() : chdf5_acc_excl()
        let access = try diskAccess(name: path)
        let id = try checked(H5Fcreate(path, flags, defaultProperties, access.id), file: path, object: nil,
                             action: "cannot create the file")
        let lock = try existingLock ?? FileLock(path: path, exclusive: true)
        let file = File(handle: Handle(id, .file), path: path, backing: .disk(lock))
        file.closeOnExec()
        return file
    }

    /// Creates an HDF5 file at `path`, which names a new, empty file no one else uses (as `AtomicFile` hands
    /// out), naming `name` in messages. The first `userBlock` bytes (0, or a power of two from 512) are left to
    /// the caller; the HDF5 data follows them.
    public static func create(at path: String, name: String, userBlock: Int = 0) throws -> File {
        let creation = Handle(try checked(H5Pcreate(chdf5_p_file_create()), file: name, object: nil,
                                          action: "cannot create a file creation property list"), .propertyList)
        if userBlock > 0 {
            try checked(H5Pset_userblock(creation.id, hsize_t(userBlock)), file: name, object: nil, action: "cannot reserve a user block of \(userBlock) bytes")
        }
        // libhdf5's stdio driver, which (unlike the default one) accepts a path that is a link to a file with no
        // name, such as /proc/self/fd/N; whole datasets still go to the file in one write each.
        let access = try diskAccess(name: name)
        try checked(H5Pset_fapl_stdio(access.id), file: name, object: nil, action: "cannot select the stdio driver")
        let id = try checked(H5Fcreate(path, chdf5_acc_trunc(), creation.id, access.id), file: name, object: nil, action: "cannot create the file")
        let file = File(handle: Handle(id, .file), path: name, backing: nil)
        file.closeOnExec(stdioDriver: true)
        return file
    }

    /// Writes everything to the file and checks that nothing but the file itself is still open, so that
    /// libhdf5 closes it, with nothing more to write, when this object is released.
    public func finishWriting() throws {
        try flush()
        guard openObjectCount == 1 else {
            throw HDF5Error(file: path, reason: "\(openObjectCount - 1) objects are still open; the file cannot be finished")
        }
    }

    /// The 8 bytes an HDF5 file starts with (when it has no user block).
    public static let signature: [UInt8] = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a]

    /// Opens an HDF5 file image held in memory (for example `model.weights.h5` inflated from a `.keras` zip).
    /// `name` is used in messages only.
    public static func open(image: [UInt8], name: String) throws -> File {
        guard image.count >= 8, image.starts(with: signature) else {
            throw HDF5Error(file: name, reason: image.isEmpty ? "not an HDF5 file (it is empty)" : "not an HDF5 file (no HDF5 signature)")
        }
        return try open(FileImage(bytes: image), name: name)
    }

    /// Opens the HDF5 file that lies at bytes `region` of the disk file `path` (an uncompressed member of a
    /// zip), in place: nothing is copied, and large datasets are read from the disk file straight into the
    /// caller's memory. `name` is used in messages.
    public static func open(_ path: String, region: Range<Int>, name: String) throws -> File {
        try checkReadableRegularFile(path)
        let image = try FileImage(path: path, region: region)
        guard image.count >= 8, UnsafeRawBufferPointer(start: image.base, count: 8).elementsEqual(signature) else {
            throw HDF5Error(file: name, reason: "not an HDF5 file (no HDF5 signature)")
        }
        return try open(image, name: name)
    }

    private static func open(_ image: FileImage, name: String) throws -> File {
        let access = try image.accessList(base: fileAccess(name: name), name: name)
        let id = try checked(H5Fopen(name, chdf5_acc_rdonly(), access.id), file: name, object: nil,
                             action: "damaged or unreadable HDF5 file")
        return File(handle: Handle(id, .file), path: name, backing: .image(image))
    }

    /// Creates an empty HDF5 file that lives in memory only; ``image()`` returns its bytes.
    public static func createInMemory(name: String) throws -> File {
        let access = try inMemoryAccess(name: name)
        let id = try checked(H5Fcreate(name, chdf5_acc_trunc(), defaultProperties, access.id), file: name, object: nil,
                             action: "cannot create the in-memory file")
        return File(handle: Handle(id, .file), path: name, backing: nil)
    }

    /// The complete bytes of the file as it would be on disk.
    public func image() throws -> [UInt8] {
        try flush()
        let size = try checked(H5Fget_file_image(handle.id, nil, 0), file: path, object: nil, action: "cannot size the file image")
        var bytes = [UInt8](repeating: 0, count: size)
        _ = try bytes.withUnsafeMutableBytes { buffer in
            try checked(H5Fget_file_image(handle.id, buffer.baseAddress, buffer.count), file: path, object: nil,
                        action: "cannot copy the file image")
        }
        return bytes
    }

    private static func inMemoryAccess(name: String) throws -> Handle {
        let access = try fileAccess(name: name)
        try checked(H5Pset_fapl_core(access.id, 1 << 20, false), file: name, object: nil, action: "cannot select the in-memory driver")
        return access
    }

    /// Disk files are locked by ``FileLock`` instead of libhdf5, whose lock sits on a descriptor that child
    /// processes started on other threads can inherit before it is marked close-on-exec.
    private static func diskAccess(name: String) throws -> Handle {
        let access = try fileAccess(name: name)
        try checked(H5Pset_file_locking(access.id, false, true), file: name, object: nil, action: "cannot configure file locking")
        return access
    }

    private static func fileAccess(name: String) throws -> Handle {
        let access = Handle(try checked(H5Pcreate(chdf5_p_file_access()), file: name, object: nil,
                                        action: "cannot create a file access property list"), .propertyList)
        // Each dataset read through libhdf5's sieve buffer gets one of this size, cleared, on its first read:
        // small, as Keras files hold thousands of small datasets and large ones are read past the buffer.
        try checked(H5Pset_sieve_buf_size(access.id, 4096), file: name, object: nil, action: "cannot set the sieve buffer size")
        return access
    }

    /// The root group, `/`.
    public var root: Group {
        get throws {
            let location = Location(file: path, path: "/")
            let id = try location.call("cannot open the root group") { H5Gopen2(handle.id, "/", defaultProperties) }
            return Group(handle: Handle(id, .group), location: location, backing: backing)
        }
    }

    /// Writes everything buffered for this file to disk.
    public func flush() throws {
        try checked(H5Fflush(handle.id, H5F_SCOPE_GLOBAL), file: path, object: nil, action: "cannot write the file to disk")
    }

    /// How many libhdf5 identifiers (the file, groups, datasets, attributes, named types) are open in this file.
    public var openObjectCount: Int {
        Int(H5Fget_obj_count(handle.id, UInt32(H5F_OBJ_FILE | H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR)))
    }

    /// Refuses missing paths, folders and unreadable files with a plain message before libhdf5 sees them.
    private static func checkReadableRegularFile(_ path: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw HDF5Error(file: path, reason: "no such file")
        }
        if isDirectory.boolValue { throw HDF5Error(file: path, reason: "is a folder, not an HDF5 file") }
        guard FileManager.default.isReadableFile(atPath: path) else {
            throw HDF5Error(file: path, reason: "permission denied")
        }
    }
}
