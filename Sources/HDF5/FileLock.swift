import Foundation

/// An advisory `flock` on a disk file, the same kind of lock libhdf5 and h5py take: shared while reading,
/// exclusive while writing. It is taken on a descriptor of its own opened close-on-exec, so a child process
/// started on another thread never inherits it, and it is released when the last group or dataset of the
/// file is released.
final class FileLock: Sendable {
    private let descriptor: Int32

    /// Locks `path` without waiting; throws when another program holds a conflicting lock. File systems
    /// without locks are accepted unlocked, as libhdf5 does.
    init(path: String, exclusive: Bool) throws {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw HDF5Error(file: path, reason: "cannot open the file (\(String(cString: strerror(errno))))")
        }
        if flock(descriptor, (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0, errno == EWOULDBLOCK {
            close(descriptor)
            throw HDF5Error(file: path, reason: exclusive
                ? "is open in another program (it is locked); close it there first"
                : "is being written by another program (it is locked); wait until it is done")
        }
    }

    deinit { close(descriptor) }
}
