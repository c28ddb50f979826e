import Foundation
import HDF5
import TestSupport
import Testing

/// Open files are locked the way h5py and Keras expect, for exactly as long as something from them is open,
/// and child processes never inherit the lock.
@Suite struct FileLockTests {
    /// Whether another program could take an exclusive lock on `path` right now (util-linux `flock`).
    private func lockableElsewhere(_ path: String) throws -> Bool {
        try runProcess("/usr/bin/flock", ["--nonblock", "--exclusive", path, "true"]).status == 0
    }

    private func sampleFile(in folder: TemporaryFolder) throws -> String {
        let path = folder.path("sample.h5")
        try File.create(path).root.createDataset("data/values", shape: [2], values: [Float(1), 2])
        return path
    }

    @Test func aGroupKeepsTheFileLockedUntilReleased() throws {
        let folder = try TemporaryFolder()
        let path = try sampleFile(in: folder)
        #expect(try lockableElsewhere(path))
        var group: Group? = try File.open(path).root.group("data")
        #expect(try !lockableElsewhere(path))
        withExtendedLifetime(group) {}
        group = nil
        #expect(try lockableElsewhere(path))
    }

    @Test func aFileBeingWrittenIsNotOpenedForReading() throws {
        let folder = try TemporaryFolder()
        let path = try sampleFile(in: folder)
        let writer = try File.open(path, mode: .readWrite)
        let error = #expect(throws: HDF5Error.self) { _ = try File.open(path) }
        #expect(error?.reason.contains("locked") == true)
        withExtendedLifetime(writer) {}
    }

    @Test func aChildProcessDoesNotInheritTheLock() throws {
        let folder = try TemporaryFolder()
        let path = try sampleFile(in: folder)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: "/bin/sleep")
        child.arguments = ["30"]
        var dataset: Dataset? = try File.open(path, mode: .readWrite).root.dataset("data/values")
        try child.run()
        defer { child.terminate(); child.waitUntilExit() }
        withExtendedLifetime(dataset) {}
        dataset = nil
        #expect(try lockableElsewhere(path))
    }
}
