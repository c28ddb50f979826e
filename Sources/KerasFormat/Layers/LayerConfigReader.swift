import NeuralNet

/// Typed access to one layer's config, with errors that name the file, the layer and the key.
struct LayerConfigReader {
    let file: String
    let layer: String
    let config: JSONObject

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
            throw KerasFormatError(file: file, object: "layer \(layer)", .unsupportedActivation(name, supported: ModelBuilder.supportedActivations))
        }
        return activation
    }
}
