import Architectures
import Dispatch
import Foundation
import HDF5
import KerasFormat
import TestSupport
import Testing

/// libhdf5 is built thread-safe (one global lock); the project's handles and loaders must be safe too.
@Suite struct ConcurrencyTests {
    @Test func manyThreadsReadTheRealFilesAtOnceAndAgree() throws {
        let files = ["LeNet5.h5", "LeNet5.weights.h5", "MNIST-numbers-cnn.h5"].map(SharedData.reference)
        // The answers a single thread gets.
        let expected = try files.map { path in try Architecture.load(path).model.parameters.map(\.tensor.scalars) }
        let rounds = 24
        let failures = Failures()
        DispatchQueue.concurrentPerform(iterations: rounds) { round in
            let index = round % files.count
            do {
                let loaded = try Architecture.load(files[index])
                if loaded.model.parameters.map(\.tensor.scalars) != expected[index] { failures.add("round \(round): weights differ") }
                let inventory = try KerasFile.open(files[index]).inventory()
                if inventory.parameterCount != expected[index].reduce(0, { $0 + $1.count }) {
                    failures.add("round \(round): inventory differs")
                }
                _ = try File.open(files[index]).root.attributes()
            } catch {
                failures.add("round \(round): \(error)")
            }
        }
        #expect(failures.list.isEmpty, "\(failures.list)")
    }

    final class Failures: @unchecked Sendable {
        private let lock = NSLock()
        private(set) var list: [String] = []
        func add(_ failure: String) { lock.withLock { list.append(failure) } }
    }
}
