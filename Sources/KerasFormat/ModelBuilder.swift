import NeuralNet

/// Builds a Swift ``Sequential`` from a Keras model config, accepting both Keras 2 and Keras 3 spellings.
///
/// Initialisers, regularisers and constraints do not change inference and are ignored (with a notice for
/// regularisers and constraints, which training here does not apply).
public struct ModelBuilder {
    /// The file the config came from, for error messages.
    public let file: String
    /// Things the caller should tell the user (ignored settings).
    public private(set) var notices: [Notice] = []

    /// The version of Keras that wrote the file, when known (Keras 2 spells some things its own way).
    public let kerasVersion: String?

    /// A builder whose errors name `file`, written by `kerasVersion` of Keras when known.
    public init(file: String, kerasVersion: String? = nil) {
        self.file = file
        self.kerasVersion = kerasVersion
    }

    /// The activation names a config may use.
    public static let supportedActivations = Activation.allCases.map(\.rawValue)

    /// The model; refuses non-Sequential models, unknown layer classes and unsupported options, naming the layer.
    /// Its weights are left unset, for the loader to fill, unless `initializeWeights` asks for Keras's default
    /// initialisation.
    public mutating func build(_ config: ModelConfig, initializeWeights: Bool = false) throws -> Sequential {
        guard config.modelClass == "Sequential" else {
            throw KerasFormatError(file: file, object: "model config", .unsupportedModelClass(config.modelClass))
        }
        guard let batchShape = config.batchInputShape, batchShape.count >= 2,
              batchShape.dropFirst().allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw KerasFormatError(file: file, object: "model config", .incompleteInputShape)
        }
        let layers = try config.layers.map { try layer($0) }
        do {
            return try Sequential(name: config.name, inputShape: batchShape.dropFirst().map { $0 ?? 0 }, layers: layers,
                                  initializeWeights: initializeWeights)
        } catch let error as ModelError {
            throw KerasFormatError(file: file, object: "model config", .invalidModel(error))
        }
    }

    private mutating func layer(_ entry: ModelConfig.Layer) throws -> Layer {
        var reader = LayerConfigReader(file: file, layer: entry.name, config: entry.config)
        reader.writtenByKeras2 = kerasVersion?.hasPrefix("2.") ?? false
        try reader.requireChannelsLast()
        for key in ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"]
        where !(entry.config[key]?.isNull ?? true) {
            notices.append(.ignoredSetting(layer: entry.name, key: key))
        }
        guard let layer = try LayerCodecs.layer(className: entry.className, config: reader) else {
            throw KerasFormatError(file: file, object: "layer \(entry.name)", .unknownLayerClass(entry.className, supported: LayerCodecs.classNames))
        }
        return layer
    }
}
