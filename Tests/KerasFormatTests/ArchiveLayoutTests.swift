import Foundation
import HDF5
import KerasFormat
import NeuralNet
import TestSupport
import Testing
import ZIPFoundation

/// `.keras` archives at scale: the weights member is read where it lies when stored, inflated when deflated,
/// checked against its CRC either way, and zip64 records are written and followed.
@Suite struct ArchiveLayoutTests {
    private func savedModel(in folder: TemporaryFolder) throws -> (Sequential, String) {
        let model = try Sequential(inputShape: [6], layers: [Dense(units: 5, activation: .relu), Dense(units: 3, activation: .softmax)])
        let path = folder.path("model.keras")
        try ModelWriter.save(model, optimizer: Adam(parameters: model.parameters), to: path)
        return (model, path)
    }

    private func weights(_ model: Model) -> [[Float]] {
        model.parameters.map { Array(UnsafeBufferPointer(start: $0.value, count: $0.count)) }
    }

    @Test func storedWeightsAreReadInPlaceAndDeflatedOnesInMemory() throws {
        let folder = try TemporaryFolder()
        let (model, stored) = try savedModel(in: folder)
        guard case .inPlace(let path, let region) = try KerasArchive.read(stored).weights else {
            Issue.record("a stored weights member was not read in place")
            return
        }
        #expect(path == stored && region.lowerBound == 512)
        // The same members, deflated.
        let deflated = folder.path("deflated.keras")
        let source = try Archive(url: URL(fileURLWithPath: stored), accessMode: .read)
        let target = try Archive(url: URL(fileURLWithPath: deflated), accessMode: .create)
        for entry in source {
            var data = Data()
            _ = try source.extract(entry) { data.append($0) }
            try target.addEntry(with: entry.path, type: .file, uncompressedSize: Int64(data.count), compressionMethod: .deflate) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
        guard case .inflated = try KerasArchive.read(deflated).weights else {
            Issue.record("a deflated weights member was not inflated")
            return
        }
        for path in [stored, deflated] {
            #expect(weights(try ModelLoader.load(path).model) == weights(model), "\(path)")
        }
    }

    @Test func aDamagedByteInStoredWeightsIsRefusedByItsChecksum() throws {
        let folder = try TemporaryFolder()
        let (_, path) = try savedModel(in: folder)
        var bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: path)))
        bytes[2000] ^= 0x40  // inside the weights, which start at 512
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect {
            try KerasArchive.read(path)
        } throws: { error in
            guard let error = error as? KerasFormatError, case .checksumMismatch = error.problem else { return false }
            return error.object == "model.weights.h5" && "\(error)".contains(path)
        }
    }

    @Test func zip64RecordsAreWrittenAndFollowed() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("zip64.keras")
        let values = (0..<1000).map { Float($0) / 7 }
        // Every size and offset from 1 byte on is written in zip64 records (the weights start at offset 0, which
        // no real threshold reaches).
        try KerasArchiveWriter.write(to: path, metadata: Array(#"{"keras_version": "3.3.3"}"#.utf8), config: Array(#"{"class_name": "Sequential"}"#.utf8),
                                     zip64Above: 1) { root in
            try root.createDataset("layers/dense/vars/0", shape: [10, 100], values: values)
        }
        let archive = try KerasArchive.read(path)
        #expect(Set(archive.members.map(\.path)) == ["model.weights.h5", "metadata.json", "config.json"])
        #expect(archive.config["class_name"]?.stringValue == "Sequential")
        #expect(archive.metadata?["keras_version"]?.stringValue == "3.3.3")
        guard case .inPlace(_, let region) = archive.weights else {
            Issue.record("the weights were not read in place")
            return
        }
        #expect(region.lowerBound == 512)
        let file = try File.open(path, region: region, name: "zip64.keras/model.weights.h5")
        #expect(try file.root.dataset("layers/dense/vars/0").read(Float.self) == values)
    }
}
