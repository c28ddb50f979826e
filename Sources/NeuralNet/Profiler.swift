import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Wall-clock time spent in each node's forward and backward pass, measured on the first worker thread
/// (the other workers run the same layers on their part of the batch at the same time). In a training step a
/// ``DeferredGradientLayer``'s backward time includes its parameter gradients and their update, computed in
/// the optimizer step.
public final class LayerProfiler: @unchecked Sendable {
    /// Seconds in each node's forward pass, by node index.
    public private(set) var forwardSeconds: [Double]
    /// Seconds in each node's backward pass, by node index.
    public private(set) var backwardSeconds: [Double]
    /// Samples the first worker processed (its part of each batch), summed.
    public private(set) var samples = 0

    /// A profiler with zero time for each of `nodeCount` nodes.
    public init(nodeCount: Int) {
        forwardSeconds = [Double](repeating: 0, count: nodeCount)
        backwardSeconds = [Double](repeating: 0, count: nodeCount)
    }

    func addForward(_ layer: Int, _ seconds: Double) { forwardSeconds[layer] += seconds }
    func addBackward(_ layer: Int, _ seconds: Double) { backwardSeconds[layer] += seconds }
    func addSamples(_ count: Int) { samples += count }

    /// Monotonic seconds.
    public static func now() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
    }
}
