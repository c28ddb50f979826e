import CKernels

/// The machine's float32 multiply-add peak, measured rather than looked up: every core runs independent
/// chains of the widest vectors it has at once, so the figure includes the clock all cores sustain together.
public enum PeakThroughput {
    /// GFLOP/s of all cores together (a multiply-add counts as two), measured over about `seconds`.
    public static func measure(seconds: Double = 0.3) -> Double {
        let cores = Parallel.coreCount
        let rates = UnsafeMutableBufferPointer<Double>.allocate(capacity: cores)
        rates.initialize(repeating: 0)
        defer { rates.deallocate() }
        Parallel.forEachChunk(cores) { range in
            for core in range { rates[core] = ck_fma_peak_gflops(seconds) }
        }
        return rates.reduce(0, +)
    }
}
