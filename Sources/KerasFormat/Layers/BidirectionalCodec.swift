import NeuralNet

/// Keras `Bidirectional`: the forward layer's config under `layer` and the backward layer's under
/// `backward_layer`, their weights at `forward_layer/...` and `backward_layer/...`.
///
/// Keras 3 names the layers it makes `forward_<layer>` and `backward_<layer>`, writes them so and always writes
/// `backward_layer`; tf-keras writes the layer under its own name, `backward_layer` only when one was given,
/// and prefixes the names when it builds them. Legacy `.h5` weight names carry the prefixed names in both.
enum BidirectionalCodec: LayerCodec {
    static let classNames = ["Bidirectional"]
    static let keys: [ConfigKey<Bidirectional>] = [
        ConfigKey("merge_mode", \.mergeMode, .mergeMode, default: .concat),
        ConfigKey(wrapped: "layer", \.forwardLayer, kind: "a recurrent layer",
                  writtenName: { name, flavour in flavour == .keras2 ? unprefixed(name, "forward_") : name }),
        ConfigKey(wrapped: "backward_layer", \.backwardLayer, kind: "a recurrent layer", serialised: backwardLayer,
                  writtenName: { name, flavour in flavour == .keras2 ? unprefixed(name, "backward_") : name }),
    ]

    static func layer(className: String, settings: LayerSettings<Bidirectional>) throws -> Bidirectional {
        let forward = try settings[\.forwardLayer], backward = try settings[\.backwardLayer]
        if settings.reader.writtenByKeras2 && settings.reader.config["backward_layer"] != nil { backward.name = "backward_" + backward.name }
        return Bidirectional(forward, backwardLayer: backward, mergeMode: try settings[\.mergeMode], name: settings.name)
    }

    static func weightGroups(of layer: Bidirectional, flavour: KerasFlavour) -> [WeightGroup] {
        [("forward_layer", layer.forwardLayer), ("backward_layer", layer.backwardLayer)].flatMap { path, wrapped in
            LayerCodecs.weightGroups(of: wrapped, flavour: flavour).map { $0.nested(under: path, legacyPrefix: wrapped.name + "/") }
        }
    }

    /// `name` without `prefix`.
    private static func unprefixed(_ name: String, _ prefix: String) -> String {
        name.hasPrefix(prefix) ? String(name.dropFirst(prefix.count)) : name
    }

    /// The serialised backward layer: `backward_layer`, or when there is none (tf-keras's files), `layer` run
    /// backwards as Keras makes it (`go_backwards` flipped, named `backward_<layer>`).
    @Sendable private static func backwardLayer(_ config: JSONObject) -> JSONValue? {
        if let backward = config["backward_layer"] { return backward }
        guard case .object(var serialised)? = config["layer"], case .object(var layer)? = serialised["config"] else { return config["layer"] }
        layer["go_backwards"] = .bool(!(layer["go_backwards"]?.boolValue ?? false))
        layer["name"] = .string("backward_" + unprefixed(layer["name"]?.stringValue ?? "", "backward_"))
        serialised["config"] = .object(layer)
        return .object(serialised)
    }
}

extension ValueCoding where Value == Bidirectional.MergeMode {
    /// `concat`, `sum`, `mul` or `ave`; Keras's null (two outputs) is refused.
    static var mergeMode: ValueCoding {
        var coding = ValueCoding(read: { item, context in
            guard let text = item.stringValue, let mode = Bidirectional.MergeMode(rawValue: text) else {
                throw context.invalid("\(item.pythonJSON) is not supported (\(Bidirectional.MergeMode.allCases.map(\.rawValue).joined(separator: ", ")); null, two outputs, is not)")
            }
            return mode
        }, write: { value, _ in .string(value.rawValue) })
        coding.readsNull = true
        return coding
    }
}
