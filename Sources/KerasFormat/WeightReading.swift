import HDF5

/// Reads many weights or optimizer slots straight into their memory as float32: the plain ones (contiguous,
/// float32, in a disk file) on two threads at once, the others through libhdf5, one after another.
enum WeightReading {
    /// One dataset to read, and the memory it goes to (of exactly its element count).
    struct Target {
        let root: Group
        let path: String
        let buffer: UnsafeMutableBufferPointer<Float>
    }

    /// Reads every target; libhdf5 reads any that cannot be read plainly, and reports what fails.
    static func read(_ targets: [Target]) throws {
        var plain: [(PlainRead, Target)] = []
        for target in targets {
            let dataset = try target.root.dataset(target.path)
            if let read = try dataset.plainRead(into: target.buffer) {
                plain.append((read, target))
            } else {
                try dataset.read(into: target.buffer)
            }
        }
        for ((_, target), done) in zip(plain, PlainRead.performAll(plain.map(\.0))) where !done {
            try target.root.dataset(target.path).read(into: target.buffer)
        }
    }
}
