import Dispatch
import Foundation

/// Splits independent work over the machine's cores.
public enum Parallel {
    /// The cores this process may use.
    public static let coreCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

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
