import NeuralNet

/// Typed access to one layer's config, with errors that name the file, the layer and the key.
struct LayerConfigReader {
    let file: String
    let layer: String
    let config: JSONObject
    /// The file was written by Keras 2 (tf-keras), whose `hard_sigmoid` is another function.
    var writtenByKeras2 = false

    func invalid(_ key: String, _ reason: String) -> KerasFormatError {
        KerasFormatError(file: file, object: "layer \(layer)", .invalidValue(key: key, reason: reason))
    }

    func unsupported(_ what: String) -> KerasFormatError {
        KerasFormatError(file: file, object: "layer \(layer)", .unsupportedOption(what))
    }

    func int(_ key: String, default value: Int? = nil) throws -> Int {
        guard let item = config[key], !item.isNull else {
            if let value { return value }
            throw invalid(key, "is missing")
        }
        guard let int = item.intValue else { throw invalid(key, "must be an integer, found \(item.pythonJSON)") }
        return int
    }

    /// The largest size a config may give (units, filters, a window, a stride, a padding): 2^20.
    static let maximumSize = 1 << 20

    func positiveInt(_ key: String) throws -> Int {
        let value = try int(key)
        guard value > 0, value <= Self.maximumSize else { throw invalid(key, "must be a positive integer up to \(Self.maximumSize), found \(value)") }
        return value
    }

    /// The initializer `key` names, or nil when it is missing or one this project lacks (the builder says so).
    func initializer(_ key: String) -> Initializer? { InitializerConfig.initializer(config[key]) }

    /// A number that is finite as float32 (the type of every Keras layer setting); `value` when the key is
    /// missing or null, if given.
    func double(_ key: String, default value: Double? = nil) throws -> Double {
        if let value, config[key]?.isNull ?? true { return value }
        guard let item = config[key], let number = item.doubleValue, Float(number).isFinite else {
            throw invalid(key, "must be a finite number, found \(config[key]?.pythonJSON ?? "nothing")")
        }
        return number
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
        let sizes = 1...Self.maximumSize
        if let single = item.intValue, sizes.contains(single) { return (single, single) }
        if let items = item.arrayValue, items.count == 2, let a = items[0].intValue, let b = items[1].intValue, sizes.contains(a), sizes.contains(b) {
            return (a, b)
        }
        throw invalid(key, "must be a positive integer up to \(Self.maximumSize) or a pair of them, found \(item.pythonJSON)")
    }

    func padding() throws -> Padding {
        let text = config["padding"]?.stringValue ?? "valid"
        guard let padding = Padding(rawValue: text.lowercased()) else { throw invalid("padding", "'\(text)' is not supported (valid, same)") }
        return padding
    }

    /// ZeroPadding2D's `padding` or Cropping2D's `cropping`: n, (h, w) or ((top, bottom), (left, right)).
    func fourSides(_ key: String, default amount: Int) throws -> (Int, Int, Int, Int) {
        let item = config[key] ?? .int(amount)
        let sizes = 0...Self.maximumSize
        if let n = item.intValue, sizes.contains(n) { return (n, n, n, n) }
        if let items = item.arrayValue, items.count == 2 {
            if let h = items[0].intValue, let w = items[1].intValue, sizes.contains(h), sizes.contains(w) { return (h, h, w, w) }
            if let rows = items[0].arrayValue?.compactMap(\.intValue), let cols = items[1].arrayValue?.compactMap(\.intValue),
               rows.count == 2, cols.count == 2, (rows + cols).allSatisfy(sizes.contains) {
                return (rows[0], rows[1], cols[0], cols[1])
            }
        }
        throw invalid(key, "must be n, (h, w) or ((top, bottom), (left, right)) of sizes 0 to \(Self.maximumSize), found \(item.pythonJSON)")
    }

    /// A number, or `value` when the key is missing or null.
    func float(_ key: String, default value: Float) throws -> Float {
        guard let item = config[key], !item.isNull else { return value }
        guard let number = item.doubleValue, Float(number).isFinite else { throw invalid(key, "must be a finite number, found \(item.pythonJSON)") }
        return Float(number)
    }

    /// A dropout `rate`: a number in [0, 1).
    func rate() throws -> Float {
        let rate = try double("rate")
        guard (0..<1).contains(rate) else { throw invalid("rate", "must be in [0, 1), found \(rate)") }
        return Float(rate)
    }

    /// A number, or nil when the key is missing or null.
    func optionalFloat(_ key: String) throws -> Float? {
        guard let item = config[key], !item.isNull else { return nil }
        return try float(key, default: 0)
    }

    /// A list of positive integers (a shape or an axis order), where -1 also passes (Reshape's inferred size).
    func intList(_ key: String) throws -> [Int] {
        guard let items = config[key]?.arrayValue, !items.isEmpty, items.count <= 8 else {
            throw invalid(key, "must be a list of 1 to 8 integers, found \(config[key]?.pythonJSON ?? "nothing")")
        }
        let values = items.compactMap(\.intValue)
        guard values.count == items.count, values.allSatisfy({ $0 == -1 || (1...Self.maximumSize).contains($0) }) else {
            throw invalid(key, "must be a list of positive integers (or -1), found \(config[key]!.pythonJSON)")
        }
        return values
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
        let aliases = ["softmax_v2": "softmax", "None": "linear", "swish": "silu", "hard_swish": "hard_silu"]
        guard let activation = Activation(rawValue: aliases[name] ?? name) else {
            throw KerasFormatError(file: file, object: "layer \(layer)", .unsupportedActivation(name, supported: ModelBuilder.supportedActivations))
        }
        if writtenByKeras2 && activation == .hardSigmoid {
            throw unsupported("Keras 2's hard_sigmoid (clip(0.2 x + 0.5, 0, 1), where Keras 3's is relu6(x + 3) / 6)")
        }
        return activation
    }
}
