import Foundation
import HDF5
import TestSupport
import Testing

/// What the wrapper writes, it reads back identically, and h5dump reads too.
@Suite struct RoundTripTests {
    static let shapes: [[Int]] = [[], [5], [2, 3], [2, 3, 4], [2, 1, 3, 2]]

    private func roundTrip<T: HDF5Scalar & Equatable>(_ type: T.Type, _ make: (Int) -> T) throws {
        let folder = try TemporaryFolder()
        let path = folder.path("values.h5")
        do {
            let root = try File.create(path).root
            for (index, shape) in Self.shapes.enumerated() {
                let count = shape.reduce(1, *)
                try root.createDataset("rank\(index)", shape: shape, values: (0..<count).map(make))
            }
        }
        let root = try File.open(path).root
        for (index, shape) in Self.shapes.enumerated() {
            let dataset = try root.dataset("rank\(index)")
            #expect(try dataset.shape() == shape)
            #expect(try dataset.elementType() == T.elementType)
            #expect(try dataset.read(T.self) == (0..<shape.reduce(1, *)).map(make))
        }
    }

    @Test func signedIntegersOfEveryWidth() throws {
        try roundTrip(Int8.self) { Int8($0) - 7 }
        try roundTrip(Int16.self) { Int16($0) * -300 }
        try roundTrip(Int32.self) { Int32($0) * -70_000 }
        try roundTrip(Int64.self) { Int64($0) * -5_000_000_000 }
    }

    @Test func unsignedIntegersOfEveryWidth() throws {
        try roundTrip(UInt8.self) { UInt8($0 * 10) }
        try roundTrip(UInt16.self) { UInt16($0) * 2000 }
        try roundTrip(UInt32.self) { UInt32($0) * 100_000_000 }
        try roundTrip(UInt64.self) { UInt64($0) * 1_000_000_000_000 + UInt64(Int64.max) }
    }

    @Test func floatsOfEveryWidth() throws {
        try roundTrip(Float16.self) { Float16($0) * 0.25 - 1 }
        try roundTrip(Float.self) { Float($0) * 0.1 - 1 }
        try roundTrip(Double.self) { Double($0) / 3 }
    }

    @Test func numbersConvertBetweenStoredAndRequestedTypes() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("convert.h5")
        try File.create(path).root.createDataset("half", shape: [3], values: [Float16(0.5), 1.5, -2])
        let dataset = try File.open(path).root.dataset("half")
        #expect(try dataset.read(Float.self) == [0.5, 1.5, -2])
        #expect(try dataset.read(Double.self) == [0.5, 1.5, -2])
    }

    @Test func chunkedAndCompressedDatasetsRoundTrip() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("chunked.h5")
        let values = (0..<10_000).map { Float($0 % 17) }
        try File.create(path).root.createDataset(
            "data/compressed", shape: [100, 100], values: values, options: DatasetOptions(chunks: [10, 50], gzipLevel: 6))
        let dataset = try File.open(path).root.dataset("data/compressed")
        let storage = try dataset.storage()
        #expect(storage.layout == .chunked)
        #expect(storage.chunks == [10, 50])
        #expect(storage.filters == ["deflate"])
        #expect(storage.storedBytes < 40_000)
        #expect(try dataset.read(Float.self) == values)
    }

    @Test func compressionWithoutChunksIsRefused() throws {
        let folder = try TemporaryFolder()
        let root = try File.create(folder.path("bad.h5")).root
        #expect(throws: HDF5Error.self) {
            try root.createDataset("x", shape: [4], values: [Float](repeating: 1, count: 4), options: DatasetOptions(gzipLevel: 4))
        }
        #expect(throws: HDF5Error.self) { try root.createDataset("y", shape: [4], values: [Float(1)]) }
    }

    @Test func everyAttributeKindRoundTrips() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("attributes.h5")
        do {
            let root = try File.create(path).root
            let group = try root.createGroup("a/b")
            try group.setAttribute("scalar_int", [Int64(-42)], shape: [])
            try group.setAttribute("uints", [UInt16(1), 2, 65535])
            try group.setAttribute("floats", [Float(0.5), -1.25])
            try group.setAttribute("empty", [Double]())
            try group.setAttribute("utf8_scalar", string: "héllo ✓")
            try group.setAttribute("ascii_scalar", string: "{\"a\": 1}", encoding: .ascii)
            try group.setAttribute("vlen_list", strings: ["conv2d", "dense_1", ""], encoding: .ascii)
            try group.setAttribute("fixed_list", strings: ["ab", "abcd"], layout: .fixedLength(0), encoding: .ascii)
            try group.setAttribute("fixed_scalar", strings: ["x"], shape: [], layout: .fixedLength(6), encoding: .utf8)
        }
        let group = try File.open(path).root.group("a/b")
        #expect(try group.attributeNames().sorted() == ["ascii_scalar", "empty", "fixed_list", "fixed_scalar", "floats",
                                                         "scalar_int", "uints", "utf8_scalar", "vlen_list"])
        let scalar = try group.attribute("scalar_int")
        #expect(scalar.shape == [] && scalar.value == .integers([-42]))
        #expect(try group.attribute("uints").value == .unsignedIntegers([1, 2, 65535]))
        #expect(try group.attribute("uints").elementType == .integer(bytes: 2, signed: false))
        #expect(try group.attribute("floats").value == .floats([0.5, -1.25]))
        let empty = try group.attribute("empty")
        #expect(empty.shape == [0] && empty.value == .floats([]) && empty.elementType == .float(bytes: 8))
        let utf8 = try group.attribute("utf8_scalar")
        #expect(utf8.string == "héllo ✓" && utf8.shape == [] && utf8.elementType == .string(.variableLength, .utf8))
        #expect(try group.attribute("ascii_scalar").elementType == .string(.variableLength, .ascii))
        #expect(try group.attribute("vlen_list").strings == ["conv2d", "dense_1", ""])
        let fixed = try group.attribute("fixed_list")
        #expect(fixed.strings == ["ab", "abcd"] && fixed.elementType == .string(.fixedLength(4), .ascii))
        let fixedScalar = try group.attribute("fixed_scalar")
        #expect(fixedScalar.string == "x" && fixedScalar.elementType == .string(.fixedLength(6), .utf8))
    }

    @Test func rewritingAnAttributeReplacesIt() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("replace.h5")
        do {
            let root = try File.create(path).root
            try root.setAttribute("x", string: "first")
            try root.setAttribute("x", [Int32(1), 2])
        }
        #expect(try File.open(path).root.attribute("x").value == .integers([1, 2]))
    }

    @Test func creatingOverAnExistingFileNeedsOverwrite() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("exists.h5")
        _ = try File.create(path)
        #expect(throws: HDF5Error.self) { try File.create(path) }
        _ = try File.create(path, overwrite: true)
    }

    @Test func inMemoryFilesRoundTripThroughTheirImage() throws {
        let image: [UInt8]
        do {
            let file = try File.createInMemory(name: "model.weights.h5")
            try file.root.createDataset("layers/dense/vars/0", shape: [2, 2], values: [Float(1), 2, 3, 4])
            image = try file.image()
        }
        let file = try File.open(image: image, name: "model.weights.h5")
        #expect(try file.root.dataset("layers/dense/vars/0").read(Float.self) == [1, 2, 3, 4])
        #expect(throws: HDF5Error.self) { try File.open(image: Array(image.prefix(100)), name: "cut.h5").root.links() }
        #expect(throws: HDF5Error.self) { try File.open(image: [1, 2, 3], name: "junk") }
    }

    @Test func h5dumpReadsWhatTheWrapperWrites() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("for-h5dump.h5")
        do {
            let root = try File.create(path).root
            try root.createDataset("g/weights", shape: [2, 2], values: [Float(1.5), -2, 3, 4.25])
            try root.setAttribute("names", strings: ["conv2d", "dense"], encoding: .ascii)
            try root.setAttribute("version", string: "3.3.3")
        }
        let output = try runProcess("/usr/bin/h5dump", [path])
        #expect(output.status == 0)
        #expect(output.stdout.contains("DATASET \"weights\""))
        #expect(output.stdout.contains("H5T_IEEE_F32LE"))
        #expect(output.stdout.contains("(0,0): 1.5, -2,"))
        #expect(output.stdout.contains("(1,0): 3, 4.25"))
        #expect(output.stdout.contains("(0): \"conv2d\", \"dense\""))
        #expect(output.stdout.contains("CSET H5T_CSET_UTF8"))
        #expect(output.stdout.contains("(0): \"3.3.3\""))
    }

    @Test func rowsOfADatasetAreReadInPiecesConverted() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("rows.h5")
        do {
            try File.create(path).root.createDataset("x", shape: [5, 3, 4], values: (0..<60).map { Float($0) })
        }
        let dataset = try File.open(path).root.dataset("x")
        var rows = [Double](repeating: 0, count: 24)
        try rows.withUnsafeMutableBufferPointer { try dataset.read(rows: 2..<4, into: $0) }
        #expect(rows == (24..<48).map(Double.init))
        var past = [Float](repeating: 0, count: 24)
        #expect(throws: HDF5Error.self) { try past.withUnsafeMutableBufferPointer { try dataset.read(rows: 4..<6, into: $0) } }
        var short = [Float](repeating: 0, count: 5)
        #expect(throws: HDF5Error.self) { try short.withUnsafeMutableBufferPointer { try dataset.read(rows: 0..<1, into: $0) } }
    }
}
