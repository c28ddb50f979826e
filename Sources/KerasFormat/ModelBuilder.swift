import NeuralNet

/// Builds a Swift model (a ``Sequential`` or a functional graph) from a Keras model config, accepting both
/// Keras 2 and Keras 3 spellings.
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

    /// The model: a ``Sequential``, or for a functional config a graph ``Model`` with one input and one output.
    /// Refuses unknown layer classes and unsupported options, naming the layer. Its weights are left unset, for
    /// the loader to fill, unless `initializeWeights` asks for each layer's initializers, drawn from `seed`.
    public mutating func build(_ config: ModelConfig, initializeWeights: Bool = false, seed: UInt64 = 0) throws -> Model {
        guard ["Sequential", "Functional", "Model"].contains(config.modelClass) else {
            throw KerasFormatError(file: file, object: "model config", .unsupportedModelClass(config.modelClass))
        }
        guard let batchShape = config.batchInputShape, batchShape.count >= 2,
              batchShape.dropFirst().allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw KerasFormatError(file: file, object: "model config", .incompleteInputShape)
        }
        let inputShape = batchShape.dropFirst().map { $0 ?? 0 }
        let layers = try config.layers.map { try layer($0) }
        do {
            guard config.isFunctional else {
                return try Sequential(name: config.name, inputShape: inputShape, layers: layers, seed: seed,
                                      initializeWeights: initializeWeights)
            }
            return try Model(name: config.name, inputShape: inputShape, nodes: try nodes(config, layers), seed: seed,
                             initializeWeights: initializeWeights)
        } catch let error as ModelError {
            throw KerasFormatError(file: file, object: "model config", .invalidModel(error))
        }
    }

    /// A functional config's layers as graph nodes, in the config's order (Keras writes its layers so that each
    /// comes after those it takes inputs from).
    private func nodes(_ config: ModelConfig, _ layers: [Layer]) throws -> [Node] {
        func refuse(_ what: String) -> KerasFormatError { KerasFormatError(file: file, object: "model config", .unsupportedOption(what)) }
        guard config.inputLayers.count == 1, let input = config.inputLayers.first else {
            throw refuse("a model with \(config.inputLayers.count) inputs (one image input is supported)")
        }
        guard config.outputLayers.count == 1, config.outputLayers.first == config.layers.last?.name else {
            throw refuse("outputs \(config.outputLayers) (one output, the last layer, is supported)")
        }
        var index: [String: Int] = [:]
        return try zip(config.layers, layers).enumerated().map { position, pair in
            let (entry, layer) = pair
            guard !entry.inbound.isEmpty else {
                throw KerasFormatError(file: file, object: "layer \(entry.name)", .malformedConfig("has no inbound nodes"))
            }
            let inputs = try entry.inbound.map { source -> NodeInput in
                if source == input { return .modelInput }
                guard let node = index[source] else {
                    throw KerasFormatError(file: file, object: "layer \(entry.name)", .malformedConfig("takes its input from \(source), which is no earlier layer"))
                }
                return .node(node)
            }
            index[entry.name] = position
            return Node(layer, inputs: inputs)
        }
    }

    private mutating func layer(_ entry: ModelConfig.Layer) throws -> Layer {
        var reader = LayerConfigReader(file: file, layer: entry.name, config: entry.config)
        reader.writtenByKeras2 = kerasVersion?.hasPrefix("2.") ?? false
        try reader.requireChannelsLast()
        for key in ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint",
                    "alpha_regularizer", "alpha_constraint", "gamma_regularizer", "beta_regularizer", "gamma_constraint", "beta_constraint"]
        where !(entry.config[key]?.isNull ?? true) {
            notices.append(.ignoredSetting(layer: entry.name, key: key))
        }
        for key in ["kernel_initializer", "bias_initializer", "alpha_initializer", "gamma_initializer", "beta_initializer",
                    "moving_mean_initializer", "moving_variance_initializer"] where entry.config[key].map({ !$0.isNull }) ?? false
            && InitializerConfig.initializer(entry.config[key]) == nil {
            notices.append(.ignoredSetting(layer: entry.name, key: key))
        }
        guard let layer = try LayerCodecs.layer(className: entry.className, config: reader) else {
            throw KerasFormatError(file: file, object: "layer \(entry.name)", .unknownLayerClass(entry.className, supported: LayerCodecs.classNames))
        }
        return layer
    }
}
