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
    /// range runs on the calling thread.
    static func forEachChunk(_ count: Int, _ body: (Range<Int>) -> Void) {
        let threads = min(coreCount, count)
        guard threads > 1 else {
            if count > 0 { body(0..<count) }
            return
        }
        // concurrentPerform returns only when every iteration is done, and the callers hand each
        // iteration a disjoint range, so sharing `body` across threads is safe.
        nonisolated(unsafe) let work = body
        DispatchQueue.concurrentPerform(iterations: threads) { index in
            let start = count * index / threads
            let end = count * (index + 1) / threads
            work(start..<end)
        }
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
