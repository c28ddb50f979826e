import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The read of a dataset's values as they lie in a disk file (contiguous, unfiltered, stored exactly as they
/// lie in memory): positioned reads from the file straight into the caller's memory, with no libhdf5 call,
/// so that several can run at once on different threads.
public struct PlainRead: @unchecked Sendable {
    let descriptor: Int32
    let offset: Int
    let destination: UnsafeMutableRawBufferPointer
    /// Keeps the file open until the read is done.
    let backing: FileBacking

    /// Reads all the bytes; false when the file ends first or cannot be read (libhdf5 then reads and reports).
    public func perform() -> Bool {
        guard let start = destination.baseAddress else { return true }
        var done = 0
        while done < destination.count {
            let count = pread(descriptor, start + done, destination.count - done, off_t(offset + done))
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { return false }
            done += count
        }
        return withExtendedLifetime(backing) { true }
    }

    /// Performs `reads` on two threads, the bytes shared about evenly; whether each succeeded, in order.
    public static func performAll(_ reads: [PlainRead]) -> [Bool] {
        let total = reads.reduce(0) { $0 + $1.destination.count }
        var split = 0, first = 0
        while split < reads.count && first < total / 2 {
            first += reads[split].destination.count
            split += 1
        }
        let shares = [0..<split, split..<reads.count].filter { !$0.isEmpty }
        // Each thread writes the results of its own share only.
        nonisolated(unsafe) let results = UnsafeMutableBufferPointer<Bool>.allocate(capacity: reads.count)
        defer { results.deallocate() }
        results.initialize(repeating: false)
        DispatchQueue.concurrentPerform(iterations: shares.count) { share in
            for index in shares[share] { results[index] = reads[index].perform() }
        }
        return Array(results)
    }
}
