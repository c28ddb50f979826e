import Architectures
import CHDF5
import Foundation
import HDF5
import KerasFormat

/// Containers that lie about their contents: zip headers claiming bytes the archive does not hold, datasets
/// declaring more values than an `Int` counts, and a weight stored through a filter libhdf5 does not have.
enum StorageCases {
    static func write(_ writer: inout HostileCorpus.Writer) throws {
        let model = try Architecture.lenet5.makeModel(seed: 8)

        // Zip headers claiming a 2 GB weights member that is not there (Python's zipfile raises EOFError).
        try writer.add("weights-member-claims-2gb.keras", "model.weights.h5: is truncated") { path in
            try ModelWriter.save(model, optimizer: nil, to: path)
            try claimSize(of: "model.weights.h5", in: path, bytes: 0x7fff_0000)
        }
        try writer.add("config-member-claims-more.keras", "config.json: is damaged: its bytes have CRC-32") { path in
            try ModelWriter.save(model, optimizer: nil, to: path)
            let size = try HostileCorpus.readZip(at: path).first { $0.0 == "config.json" }?.1.count ?? 0
            try claimSize(of: "config.json", in: path, bytes: UInt32(size + 100))
        }

        // A weight declaring 2^62 values (nothing stored): no count of it may overflow, in any tool.
        try writer.add("dataset-2e31-by-2e31.weights.h5", "found (2147483648, 2147483648)") { path in
            try HostileCorpus.lenetWeights(model, at: path)
            let root = try File.open(path, mode: .readWrite).root
            try root.removeLink("layers/dense/vars/0")
            try root.createUnwrittenDataset("layers/dense/vars/0", shape: [1 << 31, 1 << 31],
                                            options: DatasetOptions(chunks: [1024, 1024], gzipLevel: 1))
        }

        // A weight stored through LZF (h5py's own filter), which Debian's libhdf5 cannot decode: named as such.
        try writer.add("lzf-filtered-weight.weights.h5", "is stored with the lzf filter (32000)") { path in
            try HostileCorpus.lenetWeights(model, at: path)
            let root = try File.open(path, mode: .readWrite).root
            try root.removeLink("layers/dense_2/vars/1")
            try writeThroughStandInFilter(root, "layers/dense_2/vars/1", values: [Float](repeating: 0.5, count: 10))
        }
    }

    /// Rewrites the local and central headers of zip member `name` to claim `bytes` stored and uncompressed.
    static func claimSize(of name: String, in path: String, bytes: UInt32) throws {
        var zip = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func read16(_ at: Int) -> Int { Int(zip[at]) | Int(zip[at + 1]) << 8 }
        func read32(_ at: Int) -> Int { read16(at) | read16(at + 2) << 16 }
        func write32(_ at: Int, _ value: UInt32) { for index in 0..<4 { zip[at + index] = UInt8(truncatingIfNeeded: value >> (8 * index)) } }
        let nameBytes = Array(name.utf8)
        var found = false
        // Central directory entries: signature 50 4b 01 02, sizes at 20 and 24, name length at 28, name at 46,
        // the local header's offset at 42 (its sizes at 18 and 22).
        for offset in 0..<max(0, zip.count - 46) where zip[offset..<offset + 4] == [0x50, 0x4b, 0x01, 0x02] {
            let length = read16(offset + 28)
            guard offset + 46 + length <= zip.count, Array(zip[offset + 46..<offset + 46 + length]) == nameBytes else { continue }
            let local = read32(offset + 42)
            for field in [offset + 20, offset + 24, local + 18, local + 22] { write32(field, bytes) }
            found = true
        }
        guard found else { throw HostileCorpus.BuildError("\(path) has no member \(name)") }
        try Data(zip).write(to: URL(fileURLWithPath: path))
    }

    /// LZF's filter id, as h5py registers it.
    static let lzfFilter: H5Z_filter_t = 32000

    /// Writes `values` as a chunked float32 dataset through filter 32000 named `lzf`, registered in this process
    /// as a stand-in that leaves the bytes as they are: the file records LZF, which another process's libhdf5
    /// does not have.
    static func writeThroughStandInFilter(_ group: Group, _ name: String, values: [Float]) throws {
        // A static string: libhdf5 keeps the name for as long as the process runs.
        let filterName = UnsafeRawPointer(StaticString("lzf").utf8Start).assumingMemoryBound(to: CChar.self)
        var standIn = H5Z_class2_t(version: Int32(H5Z_CLASS_T_VERS), id: lzfFilter, encoder_present: 1, decoder_present: 1,
                                   name: filterName, can_apply: nil, set_local: nil,
                                   filter: { _, _, _, bytes, _, _ in bytes })
        guard H5Zregister(&standIn) >= 0 else { throw HostileCorpus.BuildError("cannot register the stand-in filter") }
        let creation = H5Pcreate(chdf5_p_dataset_create())
        defer { H5Pclose(creation) }
        var chunk = [hsize_t(values.count)]
        var dims = [hsize_t(values.count)]
        let space = H5Screate_simple(1, &dims, nil)
        defer { H5Sclose(space) }
        guard H5Pset_chunk(creation, 1, &chunk) >= 0, H5Pset_filter(creation, lzfFilter, UInt32(H5Z_FLAG_MANDATORY), 0, nil) >= 0 else {
            throw HostileCorpus.BuildError("cannot set up the filtered dataset")
        }
        let dataset = H5Dcreate2(group.objectID, name, chdf5_ieee_f32le(), space, 0, creation, 0)
        guard dataset >= 0 else { throw HostileCorpus.BuildError("cannot create \(name)") }
        defer { H5Dclose(dataset) }
        guard values.withUnsafeBytes({ H5Dwrite(dataset, chdf5_native_float(), 0, 0, 0, $0.baseAddress) }) >= 0 else {
            throw HostileCorpus.BuildError("cannot write \(name)")
        }
    }
}
