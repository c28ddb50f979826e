import Foundation
import KerasSwift
import TestSupport
import Testing

/// `.npy` and `.npz` files to tensors and back through the library, any numeric dtype in, float32 out, and
/// files that are not what they should be refused naming them.
@Suite struct TensorFilesTests {
    @Test func tensorsGoThroughNpyAndNpzFilesUnchanged() throws {
        let folder = try TemporaryFolder()
        let x = try Tensor(shape: [2, 3], scalars: [1, -2.5, 3, 0, 1e-7, 6])
        try x.save(npy: folder.path("x.npy"))
        #expect(try Tensor(npy: folder.path("x.npy")) == x)
        let codes = try Tensor(shape: [2], scalars: [7, 9])
        try Tensor.save([("images", x), ("codes", codes)], npz: folder.path("both.npz"))
        let read = try Tensor.arrays(npz: folder.path("both.npz"))
        #expect(read.map(\.name) == ["images", "codes"] && read.map(\.tensor) == [x, codes])
    }

    @Test func integerArraysComeInAsFloats() throws {
        let folder = try TemporaryFolder()
        let bytes = (0..<4).flatMap { withUnsafeBytes(of: Int32($0 * 3 - 2).littleEndian, Array.init) }
        try NumpyArray(shape: [4], elementType: .int32, data: bytes).write(to: folder.path("ids.npy"))
        #expect(try Tensor(npy: folder.path("ids.npy")).scalars == [-2, 1, 4, 7])
    }

    @Test func missingTruncatedAndMisnamedFilesAreRefusedNamingThem() throws {
        let folder = try TemporaryFolder()
        try Tensor(shape: [8], scalars: Array(repeating: 1, count: 8)).save(npy: folder.path("whole.npy"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder.path("whole.npy")))
        try whole.dropLast(5).write(to: URL(fileURLWithPath: folder.path("cut.npy")))
        try whole.write(to: URL(fileURLWithPath: folder.path("plain.npz")))
        for name in ["missing.npy", "cut.npy"] {
            let error = try #require(#expect(throws: NumpyError.self) { try Tensor(npy: folder.path(name)) })
            #expect("\(error)".hasPrefix(folder.path(name)), "\(error)")
        }
        let error = try #require(#expect(throws: NumpyError.self) { try Tensor.arrays(npz: folder.path("plain.npz")) })
        #expect("\(error)".contains("not a .npz (zip) archive"))
    }
}
