import Foundation
import Safetensors
import TestSupport
import Testing

/// Writing and reading `.safetensors`: every dtype converts to float32 as its definition says, the header
/// keeps names and metadata, and hostile headers are refused with the file and the reason.
@Suite struct SafetensorsFileTests {
    /// A file of `header` (JSON text, padded as given) and `data`, its length field `length` when given.
    private func file(_ header: String, data: [UInt8] = [], length: UInt64? = nil, in folder: TemporaryFolder) throws -> String {
        let bytes = Array(header.utf8)
        let field = length ?? UInt64(bytes.count)
        let path = folder.path("t.safetensors")
        try Data((0..<8).map { UInt8(truncatingIfNeeded: field >> (8 * UInt64($0))) } + bytes + data).write(to: URL(fileURLWithPath: path))
        return path
    }

    private func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    @Test func everyDTypeReadsBackAsFloat32() throws {
        let folder = try TemporaryFolder()
        let cases: [(SafetensorsDType, [UInt8], [Float])] = [
            (.float32, bytes([Float(1.5), -2, .infinity]), [1.5, -2, .infinity]),
            (.float64, bytes([Double(0.1), -3]), [Float(0.1), -3]),
            (.float16, bytes([Float16(0.5), -65504]), [0.5, -65504]),
            (.bfloat16, [0x80, 0x3F, 0x20, 0xC1], [1, -10]),
            (.int64, bytes([Int64(-7), 1 << 40]), [-7, Float(1 << 40)]),
            (.uint64, bytes([UInt64.max]), [Float(UInt64.max)]),
            (.int32, bytes([Int32(-5)]), [-5]), (.uint32, bytes([UInt32(4_000_000_000)]), [4e9]),
            (.int16, bytes([Int16(-300)]), [-300]), (.uint16, bytes([UInt16(65535)]), [65535]),
            (.int8, [0xFF, 0x7F], [-1, 127]), (.uint8, [0xFF, 0], [255, 0]), (.bool, [0, 1, 2], [0, 1, 1]),
            // e5m2 is float16's upper byte; e4m3fn: bias 7, subnormals below exponent 1, 0x7F is NaN.
            (.float8E5M2, [0x3C, 0xC0], [1, -2]),
            (.float8E4M3, [0x38, 0xB8, 0x01, 0x7E, 0xFE], [1, -1, 0x1p-9, 448, -448]),
        ]
        let path = folder.path("all.safetensors")
        let stored = cases.map { $0.1 }
        try withBuffers(stored) { buffers in
            let tensors = zip(cases, buffers).enumerated().map { index, pair in
                SafetensorsTensorData(name: "t\(index)", dtype: pair.0.0, shape: [pair.0.2.count], bytes: pair.1)
            }
            try SafetensorsWriter.write(tensors, metadata: ["source": "a \"quoted\"\nname"], to: path)
        }
        let read = try SafetensorsFile.open(path)
        #expect(read.metadata == ["source": "a \"quoted\"\nname"])
        for (index, (dtype, _, expected)) in cases.enumerated() {
            let tensor = try #require(read["t\(index)"])
            #expect(tensor.dtype == dtype && tensor.shape == [expected.count])
            var values = [Float](repeating: 0, count: expected.count)
            try values.withUnsafeMutableBufferPointer { try read.readFloats(tensor, into: $0) }
            #expect(values == expected, "\(dtype.rawValue)")
        }
        let header = try Data(contentsOf: URL(fileURLWithPath: path)).prefix(8).reversed().reduce(0) { $0 << 8 | Int($1) }
        #expect((8 + header) % 8 == 0, "the data starts 8-byte aligned")
    }

    @Test func eightBitE4M3NaNIsNaN() throws {
        let folder = try TemporaryFolder()
        let path = try file(#"{"n":{"dtype":"F8_E4M3","shape":[2],"data_offsets":[0,2]}}"#, data: [0x7F, 0xFF], in: folder)
        let read = try SafetensorsFile.open(path)
        var values: [Float] = [0, 0]
        try values.withUnsafeMutableBufferPointer { try read.readFloats(read.tensors[0], into: $0) }
        #expect(values[0].isNaN && values[1].isNaN)
    }

    @Test func largeTensorsReadInChunksAndScalarsAndEmptyTensorsWork() throws {
        let folder = try TemporaryFolder()
        let big = (0..<200_000).map { Float16(Float($0 % 2048)) }
        let path = folder.path("big.safetensors")
        try big.withUnsafeBytes { bigBytes in
            try [Float(7)].withUnsafeBytes { scalar in
                try SafetensorsWriter.write([
                    SafetensorsTensorData(name: "empty", dtype: .float32, shape: [0, 3], bytes: UnsafeRawBufferPointer(start: nil, count: 0)),
                    SafetensorsTensorData(name: "big", dtype: .float16, shape: [400, 500], bytes: bigBytes),
                    SafetensorsTensorData(name: "scalar", dtype: .float32, shape: [], bytes: scalar),
                ], metadata: [:], to: path)
            }
        }
        let read = try SafetensorsFile.open(path)
        #expect(read.tensors.map(\.name) == ["empty", "big", "scalar"])
        var values = [Float](repeating: 0, count: 200_000)
        try values.withUnsafeMutableBufferPointer { try read.readFloats(try #require(read["big"]), into: $0) }
        #expect(values == big.map(Float.init))
        var scalar: [Float] = [0]
        try scalar.withUnsafeMutableBufferPointer { try read.readFloats(try #require(read["scalar"]), into: $0) }
        #expect(scalar == [7])
        #expect(throws: SafetensorsError.self) {
            var wrong: [Float] = [0, 0]
            try wrong.withUnsafeMutableBufferPointer { try read.readFloats(try #require(read["scalar"]), into: $0) }
        }
    }

    /// Each hostile header and the words its error must carry.
    static let hostileHeaders: [(header: String, data: Int, length: UInt64?, reason: String)] = [
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 4, 1 << 40, "over the format's limit"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 4, 5000, "truncated: the header is 5000 bytes"),
        (#"  {"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 4, nil, "does not start with '{'"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]"#, 4, nil, "not valid JSON"),
        (#"{"a":5}"#, 0, nil, "does not describe tensors"),
        (#"{"a":{"dtype":"F32","shape":[1]}}"#, 4, nil, "does not describe tensors"),
        (#"{"a":{"dtype":"Q4","shape":[1],"data_offsets":[0,4]}}"#, 4, nil, "unknown dtype 'Q4'"),
        (#"{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}"#, 4, nil, "negative dimension"),
        (#"{"a":{"dtype":"F32","shape":[1.5],"data_offsets":[0,4]}}"#, 4, nil, "does not describe tensors"),
        (#"{"a":{"dtype":"F32","shape":[4611686018427387904,4],"data_offsets":[0,4]}}"#, 4, nil, "more bytes than a file can"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,0]}}"#, 4, nil, "0 <= begin <= end"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4,8]}}"#, 8, nil, "0 <= begin <= end"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}"#, 4, nil, "needs 8 bytes"),
        (#"{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#, 8, nil,
         "overlaps the tensor before it"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#, 12, nil,
         "leaves a gap"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 2, nil, "truncated: the tensors need 4 bytes"),
        (#"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 9, nil, "cover 4 bytes of data but the file holds 9"),
        (#"{"__metadata__":{"k":1},"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}"#, 4, nil, "does not describe tensors"),
        (#"[1,2]"#, 0, nil, "does not start with '{'"),
    ]

    @Test(arguments: hostileHeaders.indices)
    func hostileHeadersAreRefusedNamingTheFile(_ index: Int) throws {
        let folder = try TemporaryFolder()
        let (header, data, length, reason) = Self.hostileHeaders[index]
        let path = try file(header, data: [UInt8](repeating: 0, count: data), length: length, in: folder)
        let error = try #require(throws: SafetensorsError.self) { try SafetensorsFile.open(path) }
        #expect(error.file == path)
        #expect(error.description.contains(reason), "\(header): \(error)")
        #expect(!error.description.contains("\n"))
    }

    @Test func shortAndMissingFilesAreRefused() throws {
        let folder = try TemporaryFolder()
        let short = folder.path("short.safetensors")
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: short))
        #expect(throws: SafetensorsError(file: short, reason: "not a safetensors file: 3 bytes, fewer than the 8 of a header length")) {
            try SafetensorsFile.open(short)
        }
        #expect(!SafetensorsFile.looksLikeSafetensors(short))
        #expect(throws: SafetensorsError(file: folder.path("none"), reason: "no such file")) { try SafetensorsFile.open(folder.path("none")) }
        #expect(throws: SafetensorsError(file: folder.url.path, reason: "is a folder, not a file")) { try SafetensorsFile.open(folder.url.path) }
    }

    @Test func theWriterRefusesBadTensorsAndLeavesTheOldFile() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("w.safetensors")
        try Data("old".utf8).write(to: URL(fileURLWithPath: path))
        try [Float(1), 2].withUnsafeBytes { two in
            let refused: [([SafetensorsTensorData], String)] = [
                ([.init(name: "a", dtype: .float32, shape: [3], bytes: two)], "has 8 bytes where shape [3] of F32 needs 12"),
                ([.init(name: "a", dtype: .float32, shape: [2], bytes: two), .init(name: "a", dtype: .float32, shape: [2], bytes: two)], "is named twice"),
                ([.init(name: "__metadata__", dtype: .float32, shape: [2], bytes: two)], "is not a name a tensor can have"),
                ([.init(name: "", dtype: .float32, shape: [2], bytes: two)], "is not a name a tensor can have"),
                ([.init(name: "a", dtype: .float32, shape: [-1, -2], bytes: two)], "needs -1"),
            ]
            for (tensors, reason) in refused {
                let error = try #require(throws: SafetensorsError.self) { try SafetensorsWriter.write(tensors, metadata: [:], to: path) }
                #expect(error.reason.contains(reason), "\(error)")
            }
        }
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "old")
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.url.path) == ["w.safetensors"])
    }

    /// Runs `body` with the bytes of each array.
    private func withBuffers(_ arrays: [[UInt8]], _ body: ([UnsafeRawBufferPointer]) throws -> Void) throws {
        func nest(_ index: Int, _ done: [UnsafeRawBufferPointer]) throws {
            guard index < arrays.count else { return try body(done) }
            try arrays[index].withUnsafeBytes { try nest(index + 1, done + [$0]) }
        }
        try nest(0, [])
    }
}
