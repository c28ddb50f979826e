import CKernels
import Dispatch
import Foundation

/// Splits independent work over the machine's cores.
public enum Parallel {
    /// The threads this process uses: one per core, or fewer when `KERAS_SWIFT_THREADS` says so (to measure
    /// how speed grows with threads; a value that is not a positive whole number is ignored here and refused
    /// by ``checkEnvironment()``).
    public static let coreCount: Int = {
        let cores = max(1, ProcessInfo.processInfo.activeProcessorCount)
        return min(cores, requestedThreads ?? cores)
    }()

    /// `KERAS_SWIFT_THREADS` as a positive whole number, if it is one.
    private static var requestedThreads: Int? {
        ProcessInfo.processInfo.environment["KERAS_SWIFT_THREADS"].flatMap { Int($0) }.flatMap { $0 > 0 ? $0 : nil }
    }

    /// Refuses a `KERAS_SWIFT_THREADS` that is set but not a positive whole number.
    public static func checkEnvironment() throws {
        guard let setting = ProcessInfo.processInfo.environment["KERAS_SWIFT_THREADS"], !setting.isEmpty, requestedThreads == nil else { return }
        throw ParallelError.unknownThreadCount(setting)
    }

    /// Runs `body` on contiguous sub-ranges of `0..<count`, one per core (at most `count` of them); a single
    /// range runs on the calling thread, the others on the worker pool of CKernels' parallel.c, whose threads
    /// stay awake between the short parallel sections of a single image's layers. While the pool is taken
    /// (another thread's job), on Dispatch's threads.
    static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(coreCount, count)
        guard threads > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        withoutActuallyEscaping(body) { body in
            // Each share runs its own disjoint range, and ck_parallel_run returns only when all are done.
            var job = Job(count: count, threads: threads, body: body)
            let ran = withUnsafeMutablePointer(to: &job) { pointer in
                ck_parallel_run(threads, { context, index in
                    context!.assumingMemoryBound(to: Job.self).pointee.run(share: index)
                }, pointer)
            }
            guard ran == 0 else { return }
            nonisolated(unsafe) let shares = job
            DispatchQueue.concurrentPerform(iterations: threads) { shares.run(share: $0) }
        }
    }

    /// One call's shares: share `i` of `threads` runs `body` on the `i`-th of as many equal ranges of `0..<count`.
    private struct Job {
        let count: Int, threads: Int
        let body: (Range<Int>) -> Void

        func run(share index: Int) { body(count * index / threads..<count * (index + 1) / threads) }
    }
}

/// A `KERAS_SWIFT_THREADS` setting that is no thread count.
public enum ParallelError: Error, Equatable, CustomStringConvertible {
    case unknownThreadCount(String)

    public var description: String {
        switch self {
        case .unknownThreadCount(let setting): return "KERAS_SWIFT_THREADS=\(setting) is not a positive number of threads"
        }
    }
}
