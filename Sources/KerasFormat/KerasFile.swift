import Foundation
import HDF5
import Safetensors

/// A Keras model file of any form, opened read-only: the HDF5 weights (on disk, or in memory for `.keras`),
/// and whatever configuration the file carries.
public struct KerasFile: Sendable {
    /// The path as given.
    public let path: String
    /// Which of Keras's forms the file is.
    public let format: KerasFileFormat
    /// The HDF5 file that holds the weights (`model.weights.h5` inside a `.keras`).
    public let hdf5: File
    /// Root attributes `keras_version` and `backend` (legacy), or from `metadata.json` (`.keras`).
    public let kerasVersion: String?
    /// The backend that wrote the file (`tensorflow`, `jax`...), when recorded.
    public let backend: String?
    /// `model_config` (legacy `.h5`) or `config.json` (`.keras`) as stored.
    public let modelConfigJSON: JSONValue?
    /// `training_config` (legacy `.h5`) or the `compile_config` of `config.json`.
    public let trainingConfigJSON: JSONValue?
    /// The archive listing, for `.keras` files.
    public let archive: KerasArchive?

    /// Where ``trainingConfigJSON`` lives, as messages name it: `training_config` or `compile_config`.
    public var trainingConfigObject: String { format == .kerasArchive ? "compile_config" : "training_config" }

    /// Opens a file and recognises its form from its content: zip signature, then the HDF5 layout.
    /// A sound HDF5 file with no Keras layout is refused.
    public static func open(_ path: String) throws -> KerasFile {
        guard let file = try recognize(path) else {
            throw KerasFormatError(file: path, .notKerasLayout)
        }
        return file
    }

    /// Like ``open(_:)``, but a sound HDF5 file with no Keras layout gives nil instead of an error.
    public static func recognize(_ path: String) throws -> KerasFile? {
        let prefix = try Self.prefix(of: path)
        if KerasFileFormat.isZip(prefix) {
            return try make(archive: KerasArchive.read(path), name: path)
        }
        // A `.keras` name promises a zip; one that holds no HDF5 at its start either is refused as an archive.
        if path.hasSuffix(".keras") && prefix != File.signature {
            throw KerasFormatError(file: path, .notAnArchive)
        }
        if prefix != File.signature {
            if path.lowercased().hasSuffix(".onnx") { throw KerasFormatError(file: path, .exportOnly("ONNX")) }
            if SafetensorsFile.isSafetensors(path) { throw KerasFormatError(file: path, .exportOnly("safetensors")) }
        }
        return try make(hdf5: File.open(path), name: path)
    }

    /// A Keras file held in memory (a `.keras` zip or an HDF5 image); `name` is used in messages. A zip goes
    /// through a temporary file, the path every `.keras` takes (ZIPFoundation's in-memory archives leak when
    /// they fail to open).
    public static func open(bytes: [UInt8], name: String) throws -> KerasFile {
        var archive: KerasArchive?
        if KerasFileFormat.isZip(bytes.prefix(4)) {
            let temporary = FileManager.default.temporaryDirectory.appendingPathComponent("keras-\(UUID().uuidString).zip")
            defer { try? FileManager.default.removeItem(at: temporary) }
            try Data(bytes).write(to: temporary)
            do {
                archive = try KerasArchive.read(temporary.path)
            } catch let error as KerasFormatError {
                throw KerasFormatError(file: name, object: error.object, error.problem)
            }
        }
        let file = try archive.map { try make(archive: $0, name: name) } ?? make(hdf5: File.open(image: bytes, name: name), name: name)
        guard let file else {
            throw KerasFormatError(file: name, .notKerasLayout)
        }
        return file
    }

    private static func make(archive: KerasArchive, name: String) throws -> KerasFile {
        let hdf5: File
        switch archive.weights {
        case .inPlace(let path, let region): hdf5 = try File.open(path, region: region, name: name + "/model.weights.h5")
        case .inflated(let bytes): hdf5 = try File.open(image: bytes, name: name + "/model.weights.h5")
        }
        return KerasFile(path: name, format: .kerasArchive, hdf5: hdf5,
                         kerasVersion: archive.metadata?["keras_version"]?.stringValue, backend: nil,
                         modelConfigJSON: archive.config, trainingConfigJSON: archive.config["compile_config"],
                         archive: archive)
    }

    private static func make(hdf5: File, name path: String) throws -> KerasFile? {
        let root = try hdf5.root
        guard let format = KerasFileFormat.detect(root: root) else { return nil }
        let weightsGroup = format == .legacyModel ? try root.group("model_weights") : root
        func text(_ name: String) throws -> String? {
            if root.hasAttribute(name) { return try root.attribute(name).string }
            if weightsGroup.hasAttribute(name) { return try weightsGroup.attribute(name).string }
            return nil
        }
        func json(_ name: String) throws -> JSONValue? {
            guard let text = try text(name) else { return nil }
            do {
                return try JSONParser.parse(text)
            } catch {
                throw KerasFormatError(file: path, object: "/@\(name)", .invalidJSON("\(error)"))
            }
        }
        return KerasFile(path: path, format: format, hdf5: hdf5, kerasVersion: try text("keras_version"),
                         backend: try text("backend"), modelConfigJSON: try json("model_config"),
                         trainingConfigJSON: try json("training_config"), archive: nil)
    }

    /// The parsed model config, when the file has one.
    public func modelConfig() throws -> ModelConfig? {
        try modelConfigJSON.map { try ModelConfig.parse($0, file: path) }
    }

    /// Layers, weights and optimizer state as stored. `config` orders a `.weights.h5` that has none of its own.
    public func inventory(config override: ModelConfig? = nil) throws -> WeightInventory {
        let config = try override ?? modelConfig()
        let root = try hdf5.root
        switch format {
        case .legacyModel, .legacyWeights:
            return try WeightInventory.readLegacy(root: root, format: format, config: config, trainingConfig: trainingConfigJSON)
        case .weightsH5, .kerasArchive:
            return try WeightInventory.readWeightsH5(root: root, format: format, config: config)
        }
    }

    /// The first bytes of the file; missing paths, folders and unreadable files get the HDF5 layer's messages.
    private static func prefix(of path: String) throws -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let handle = FileHandle(forReadingAtPath: path) else {
            _ = try File.open(path)
            throw KerasFormatError(file: path, .unreadable(nil))
        }
        defer { try? handle.close() }
        do {
            return [UInt8](try handle.read(upToCount: 8) ?? Data())
        } catch {
            throw KerasFormatError(file: path, .unreadable(error.localizedDescription))
        }
    }
}
