import Foundation
import NumPy
import TestSupport
import Testing

/// `.npy` and `.npz` files as NumPy writes them (fixtures/numpy/, written by `tools/numpy_fixtures.py`): every
/// numeric dtype read, the files NumPy cannot give us refused by name, and what is written read back by NumPy's
/// own layout, byte for byte.
@Suite struct NumpyArrayTests {
    static func fixture(_ name: String) -> String { SharedData.fixture("numpy/" + name) }

    @Test(arguments: NumpyArray.ElementType.allCases)
    func everyDtypeReadsAsNumPyWroteIt(_ type: NumpyArray.ElementType) throws {
        let array = try NumpyArray.read(Self.fixture(type.name + ".npy"))
        #expect(array.shape == [3, 4] && array.elementType == type && array.count == 12)
        let expected: [Int] = (0..<12).map { type == .bool ? $0 % 2 : type.rawValue.contains("u") ? $0 : $0 - 3 }
        #expect(array.floats() == expected.map(Float.init))
        if type.isInteger {
            #expect(try array.integers() == expected)
        } else {
            #expect(throws: NumpyError.self) { try array.integers() }
        }
    }

    @Test func scalarsEmptyArraysAndVersionTwoRead() throws {
        let scalar = try NumpyArray.read(Self.fixture("scalar.npy"))
        #expect(scalar.shape == [] && scalar.floats() == [2.5])
        let empty = try NumpyArray.read(Self.fixture("empty.npy"))
        #expect(empty.shape == [0, 5] && empty.floats().isEmpty)
        let version2 = try NumpyArray.read(Self.fixture("version2.npy"))
        #expect(version2.shape == [2, 3] && version2.floats() == [0, 0.2, 0.4, 0.6, 0.8, 1])
    }

    @Test(arguments: [
        ("fortran.npy", "Fortran order"), ("big_endian.npy", "big-endian"), ("object.npy", "Python objects"),
        ("strings.npy", "dtype <U2 is not supported"),
    ])
    func arraysOfOtherLayoutsOrTypesAreRefusedByName(file: String, words: String) throws {
        let path = Self.fixture(file)
        do {
            _ = try NumpyArray.read(path)
            Issue.record("\(file) was read")
        } catch let error as NumpyError {
            #expect(error.file == path && error.reason.contains(words), "\(error)")
        }
    }

    @Test func damagedFilesAreRefusedNamingTheFile() throws {
        let folder = try TemporaryFolder()
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixture("float32.npy"))))
        for (name, content, words) in [("short.npy", Array(bytes.dropLast(3)), "truncated"), ("header.npy", Array(bytes.prefix(40)), "truncated"),
                                       ("text.npy", Array("hello".utf8), "not a .npy array"),
                                       ("long.npy", bytes + [0, 0, 0, 0], "promises shape (3, 4)")] {
            let path = folder.path(name)
            try Data(content).write(to: URL(fileURLWithPath: path))
            #expect(throws: NumpyError.self) { try NumpyArray.read(path) }
            do { _ = try NumpyArray.read(path) } catch let error as NumpyError { #expect(error.reason.contains(words), "\(name): \(error)") }
        }
        #expect(throws: NumpyError(file: folder.path("none.npy"), reason: "no such file")) { try NumpyArray.read(folder.path("none.npy")) }
        #expect(throws: NumpyError(file: folder.url.path, reason: "is a folder, not a file")) { try NumpyArray.read(folder.url.path) }
    }

    /// A float32 array is written exactly as `np.save` writes it, header and padding included.
    @Test func writtenFilesAreNumPysBytes() throws {
        let numpy = try [UInt8](Data(contentsOf: URL(fileURLWithPath: Self.fixture("float32.npy"))))
        let ours = try NumpyArray(shape: [3, 4], float32: (0..<12).map { Float($0 - 3) })
        #expect(ours.fileBytes == numpy)
        let folder = try TemporaryFolder()
        try ours.write(to: folder.path("a.npy"))
        #expect(try NumpyArray.read(folder.path("a.npy")) == ours)
        #expect(throws: NumpyError.self) { try NumpyArray(shape: [2, 3], float32: [1, 2, 3]) }
    }

    @Test func archivesReadInOrderAndWriteBack() throws {
        let pair = try NumpyArchive.read(Self.fixture("pair.npz"))
        #expect(pair.map(\.name) == ["images", "labels"])
        #expect(pair[0].array.elementType == .uint8 && pair[0].array.shape == [2, 3] && pair[0].array.floats() == [0, 1, 2, 3, 4, 5])
        #expect(try pair[1].array.integers() == [1, 0])
        let compressed = try NumpyArchive.read(Self.fixture("compressed.npz"))
        #expect(compressed.count == 1 && compressed[0].name == "x" && compressed[0].array.floats() == (0..<8).map { Float($0) / 4 })
        let folder = try TemporaryFolder()
        try NumpyArchive.write(pair, to: folder.path("copy.npz"))
        let copy = try NumpyArchive.read(folder.path("copy.npz"))
        #expect(copy.map(\.name) == ["images", "labels"] && copy.map(\.array) == pair.map(\.array))
        #expect(throws: NumpyError.self) { try NumpyArchive.read(Self.fixture("float32.npy")) }
    }
}
