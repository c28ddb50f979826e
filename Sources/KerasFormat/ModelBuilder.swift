import NeuralNet

/// Builds a Swift ``Sequential`` from a Keras model config, accepting both Keras 2 and Keras 3 spellings.
///
/// Initialisers, regularisers and constraints do not change inference and are ignored (with a notice for
/// regularisers and constraints, which training here does not apply).
public struct ModelBuilder {
    public let file: String
    /// Things the caller should tell the user (ignored settings).
    public private(set) var notices: [String] = []

    public init(file: String) {
        self.file = file
    }

    public static let supportedActivations = Activation.allCases.map(\.rawValue)

    /// The model; refuses non-Sequential models, unknown layer classes and unsupported options, naming the layer.
    /// Its weights are left unset, for the loader to fill, unless `initializeWeights` asks for Keras's default
    /// initialisation.
    public mutating func build(_ config: ModelConfig, initializeWeights: Bool = false) throws -> Sequential {
        guard config.modelClass == "Sequential" else {
            throw KerasFormatError(file: file, object: "model config",
                                   reason: "is a \(config.modelClass) model; only Sequential models are supported")
        }
        guard let batchShape = config.batchInputShape, batchShape.count >= 2,
              batchShape.dropFirst().allSatisfy({ ($0 ?? 0) > 0 }) else {
            throw KerasFormatError(file: file, object: "model config", reason: "does not give a complete input shape")
        }
        let layers = try config.layers.map { try layer($0) }
        do {
            return try Sequential(name: config.name, inputShape: batchShape.dropFirst().map { $0 ?? 0 }, layers: layers,
                                  initializeWeights: initializeWeights)
        } catch let error as ModelError {
            throw KerasFormatError(file: file, object: "model config", reason: error.description)
        }
    }

    private mutating func layer(_ entry: ModelConfig.Layer) throws -> Layer {
        let reader = ConfigReader(file: file, layer: entry.name, config: entry.config)
        try reader.requireChannelsLast()
        for key in ["kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint"]
        where !(entry.config[key]?.isNull ?? true) {
            notices.append("layer \(entry.name): \(key) is ignored")
        }
        switch entry.className {
        case "Dense":
            return Dense(units: try reader.positiveInt("units"), activation: try reader.activation(),
                         useBias: try reader.bool("use_bias", default: true), name: entry.name)
        case "Conv2D":
            guard try reader.pair("dilation_rate", default: (1, 1)) == (1, 1) else { throw reader.unsupported("dilation_rate other than 1") }
            guard try reader.int("groups", default: 1) == 1 else { throw reader.unsupported("groups other than 1") }
            return Conv2D(filters: try reader.positiveInt("filters"), kernelSize: try reader.pair("kernel_size"),
                          strides: try reader.pair("strides", default: (1, 1)), padding: try reader.padding(),
                          activation: try reader.activation(), useBias: try reader.bool("use_bias", default: true),
                          name: entry.name)
        case "MaxPooling2D", "AveragePooling2D":
            let pool = try reader.pair("pool_size", default: (2, 2))
            let strides = entry.config["strides"].flatMap { $0.isNull ? nil : $0 } == nil ? pool : try reader.pair("strides")
            return Pooling2D(entry.className == "MaxPooling2D" ? .max : .average, poolSize: pool, strides: strides,
                             padding: try reader.padding(), name: entry.name)
        case "ZeroPadding2D":
            let p = try reader.zeroPadding()
            return ZeroPadding2D(top: p.0, bottom: p.1, left: p.2, right: p.3, name: entry.name)
        case "Flatten":
            return Flatten(name: entry.name)
        case "Dropout":
            guard entry.config["noise_shape"]?.isNull ?? true else { throw reader.unsupported("noise_shape") }
            let rate = try reader.double("rate")
            guard (0..<1).contains(rate) else { throw reader.invalid("rate", "must be in [0, 1)") }
            return Dropout(rate: Float(rate), name: entry.name)
        default:
            throw KerasFormatError(file: file, object: "layer \(entry.name)",
                                   reason: "unknown layer class \(entry.className) (supported: \(KerasNaming.knownClasses.joined(separator: ", ")))")
        }
    }
}

/// Typed access to one layer's config, with errors that name the layer and key.
struct ConfigReader {
    let file: String
    let layer: String
    let config: JSONObject

    func invalid(_ key: String, _ reason: String) -> KerasFormatError {
        KerasFormatError(file: file, object: "layer \(layer)", reason: "\(key) \(reason)")
    }

    func unsupported(_ what: String) -> KerasFormatError {
        KerasFormatError(file: file, object: "layer \(layer)", reason: "\(what) is not supported")
    }

    func int(_ key: String, default value: Int? = nil) throws -> Int {
        guard let item = config[key], !item.isNull else {
            if let value { return value }
            throw invalid(key, "is missing")
        }
        guard let int = item.intValue else { throw invalid(key, "must be an integer, found \(item.pythonJSON)") }
        return int
    }

    func positiveInt(_ key: String) throws -> Int {
        let value = try int(key)
        guard value > 0, value <= 1 << 20 else { throw invalid(key, "must be a positive integer, found \(value)") }
        return value
    }

    func double(_ key: String) throws -> Double {
        guard let value = config[key]?.doubleValue else { throw invalid(key, "must be a number") }
        return value
    }

    func bool(_ key: String, default value: Bool) throws -> Bool {
        guard let item = config[key], !item.isNull else { return value }
        guard let bool = item.boolValue else { throw invalid(key, "must be true or false") }
        return bool
    }

    /// An int or a two-element list, as Keras accepts for kernel sizes, strides and pool sizes.
    func pair(_ key: String, default value: (Int, Int)? = nil) throws -> (Int, Int) {
        guard let item = config[key], !item.isNull else {
            if let value { return value }
            throw invalid(key, "is missing")
        }
        if let single = item.intValue, single > 0 { return (single, single) }
        if let items = item.arrayValue, items.count == 2, let a = items[0].intValue, let b = items[1].intValue, a > 0, b > 0 {
            return (a, b)
        }
        throw invalid(key, "must be a positive integer or a pair of them, found \(item.pythonJSON)")
    }

    func padding() throws -> Padding {
        let text = config["padding"]?.stringValue ?? "valid"
        guard let padding = Padding(rawValue: text.lowercased()) else { throw invalid("padding", "'\(text)' is not supported (valid, same)") }
        return padding
    }

    /// ZeroPadding2D's `padding`: n, (h, w) or ((top, bottom), (left, right)).
    func zeroPadding() throws -> (Int, Int, Int, Int) {
        let item = config["padding"] ?? .int(1)
        if let n = item.intValue { return (n, n, n, n) }
        if let items = item.arrayValue, items.count == 2 {
            if let h = items[0].intValue, let w = items[1].intValue { return (h, h, w, w) }
            if let rows = items[0].arrayValue?.compactMap(\.intValue), let cols = items[1].arrayValue?.compactMap(\.intValue),
               rows.count == 2, cols.count == 2 {
                return (rows[0], rows[1], cols[0], cols[1])
            }
        }
        throw invalid("padding", "must be n, (h, w) or ((top, bottom), (left, right)), found \(item.pythonJSON)")
    }

    func requireChannelsLast() throws {
        if let format = config["data_format"]?.stringValue, format != "channels_last" {
            throw unsupported("data_format \(format)")
        }
    }

    /// A string (`"relu"`) or a serialised function (`{"class_name": "function", "config": "softmax_v2"}`).
    func activation() throws -> Activation {
        guard let item = config["activation"], !item.isNull else { return .linear }
        let name = item.stringValue ?? item["config"]?.stringValue ?? item["config"]?["name"]?.stringValue
        guard let name else { throw invalid("activation", "is not a name or serialised function: \(item.pythonJSON)") }
        let aliases = ["softmax_v2": "softmax", "linear": "linear", "None": "linear"]
        guard let activation = Activation(rawValue: aliases[name] ?? name) else {
            throw KerasFormatError(file: file, object: "layer \(layer)",
                                   reason: "unsupported activation '\(name)' (supported: \(ModelBuilder.supportedActivations.joined(separator: ", ")))")
        }
        return activation
    }
}
