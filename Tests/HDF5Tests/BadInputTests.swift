import Foundation
import HDF5
import TestSupport
import Testing

/// Opening something that is not a sound HDF5 file fails with a plain message naming the file.
@Suite struct BadInputTests {
    private func openError(_ path: String) -> HDF5Error? {
        #expect(throws: HDF5Error.self) { _ = try File.open(path).root.links() }
    }

    @Test func missingPath() {
        let error = openError("/nonexistent/model.h5")
        #expect(error?.description == "/nonexistent/model.h5: no such file")
    }

    @Test func folder() throws {
        let folder = try TemporaryFolder()
        #expect(openError(folder.url.path)?.reason == "is a folder, not an HDF5 file")
    }

    @Test func emptyFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("empty.h5")
        _ = FileManager.default.createFile(atPath: path, contents: Data())
        #expect(openError(path)?.reason == "not an HDF5 file (the file is empty)")
    }

    @Test func textFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("notes.h5")
        try "just some text\n".write(toFile: path, atomically: true, encoding: .utf8)
        #expect(openError(path)?.reason == "not an HDF5 file (no HDF5 signature)")
    }

    @Test func truncatedCopyOfARealFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("cut.h5")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: SharedData.reference("LeNet5.h5")))
        try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        let error = openError(path)
        #expect(error?.file == path)
        #expect(error?.reason.hasPrefix("damaged or unreadable HDF5 file") == true)
        #expect(error?.description.contains("\n") == false)
    }
}
