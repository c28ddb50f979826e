import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// An advisory `flock` on a disk file, the same kind of lock libhdf5 and h5py take: shared while reading,
/// exclusive while writing. It is taken on a descriptor of its own opened close-on-exec, so a child process
/// started on another thread does not keep it once it runs, and it is released when the last group or
/// dataset of the file is released.
final class FileLock: Sendable {
    /// The file, open for reading (plain datasets are read through it).
    let descriptor: Int32

    /// Attempts at a conflicting lock, 10 ms apart, before it counts as held elsewhere: a child process that
    /// another thread is starting holds a copy of every descriptor until it executes its program, which can
    /// keep a lock just released by this process for a moment.
    private static let attempts = 50

    /// Locks `path`, waiting at most about half a second; throws when another program holds a
    /// conflicting lock. File systems without locks are accepted unlocked, as libhdf5 does.
    init(path: String, exclusive: Bool) throws {
        descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            throw HDF5Error(file: path, reason: "cannot open the file (\(String(cString: strerror(errno))))")
        }
        let operation = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB
        var attempt = 1
        while flock(descriptor, operation) != 0, errno == EWOULDBLOCK {
            guard attempt < Self.attempts else {
                close(descriptor)
                throw HDF5Error(file: path, reason: exclusive
                    ? "is open in another program (it is locked); close it there first"
                    : "is being written by another program (it is locked); wait until it is done")
            }
            attempt += 1
            usleep(10_000)
        }
    }

    deinit { close(descriptor) }
}
