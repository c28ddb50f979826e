import KerasFormat
import NeuralNet

/// A model read from a Keras file, with the notebook preset it is, if any.
public struct PresetModel {
    /// The model, the file and what loading noticed.
    public let loaded: LoadedModel
    /// The preset whose layers and shapes the model has (which decides its preprocessing), or nil.
    public let architecture: Architecture?

    /// The model read from the file.
    public var model: Model { loaded.model }
    /// The file it was read from.
    public var file: KerasFile { loaded.file }
    /// What loading converted or ignored.
    public var notices: [Notice] { loaded.notices }

    /// The optimizer state stored in the file, if any.
    public func storedOptimizer() throws -> StoredOptimizer? { try loaded.storedOptimizer() }
}

extension Architecture {
    /// Loads any Keras file. A weights-only file is read into the model of `configFile` (a Keras config) when
    /// it is given, else into `requested`, or into the one preset its weight shapes match; a model must be
    /// `requested` when that is given.
    /// Open input axes take their lengths from `inputShapes` or `openAxisLength` (see
    /// ``ModelLoader/load(_:architecture:configFile:inputShapes:openAxisLength:)``).
    public static func load(_ path: String, as requested: Architecture? = nil, configFile: String? = nil, inputShapes: [[Int]]? = nil,
                            openAxisLength: Int? = nil) throws -> PresetModel {
        try load(KerasFile.open(path), as: requested, configFile: configFile, inputShapes: inputShapes, openAxisLength: openAxisLength)
    }

    /// The same for a file already opened.
    public static func load(_ file: KerasFile, as requested: Architecture? = nil, configFile: String? = nil, inputShapes: [[Int]]? = nil,
                            openAxisLength: Int? = nil) throws -> PresetModel {
        let loaded = try ModelLoader.load(file, architecture: { inventory in
            try (requested ?? recognize(inventory, file: file.path)).makeModel(initializeWeights: false)
        }, configFile: configFile, inputShapes: inputShapes, openAxisLength: openAxisLength)
        let identified = identify(loaded.model)
        if let requested, identified != requested {
            throw KerasFormatError(file: file.path, .notTheArchitecture(requested.rawValue))
        }
        return PresetModel(loaded: loaded, architecture: identified)
    }

    /// The single preset whose layers and weight shapes a file without a model config holds.
    ///
    /// Legacy files are compared by position among layers with weights, `.weights.h5` by saveable name.
    public static func recognize(_ inventory: WeightInventory, file: String) throws -> Architecture {
        let storedLayers = inventory.layers.filter { !$0.weights.isEmpty }
        let matches = allCases.filter { preset in
            switch inventory.format {
            case .legacyModel, .legacyWeights:
                // Positional, as Keras matches legacy files.
                let expected = preset.signature.map(\.parameterShapes).filter { !$0.isEmpty }
                return storedLayers.map { $0.weights.map(\.shape) } == expected
            case .weightsH5, .kerasArchive:
                let paths = KerasNaming.saveableNames(classNames: preset.signature.map(\.className))
                let expected = Dictionary(uniqueKeysWithValues: zip(paths, preset.signature.map(\.parameterShapes)).filter { !$0.1.isEmpty })
                let stored = Dictionary(storedLayers.map { ($0.name, $0.weights.map(\.shape)) }, uniquingKeysWith: { a, _ in a })
                return stored == expected
            }
        }
        guard matches.count == 1, let preset = matches.first else {
            throw KerasFormatError(file: file, .matchesNoPreset(allCases.map(\.rawValue)))
        }
        return preset
    }
}
