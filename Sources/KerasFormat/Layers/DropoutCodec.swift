import NeuralNet

/// Keras `Dropout` (without a noise shape).
enum DropoutCodec: LayerCodec {
    static let classNames = ["Dropout"]

    static func layer(className: String, config: LayerConfigReader) throws -> Dropout {
        guard config.config["noise_shape"]?.isNull ?? true else { throw config.unsupported("noise_shape") }
        let rate = try config.double("rate")
        guard (0..<1).contains(rate) else { throw config.invalid("rate", "must be in [0, 1)") }
        return Dropout(rate: Float(rate), name: config.layer)
    }

    static func config(of dropout: Dropout, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("rate", .float(dropout.rate)), ("noise_shape", .null), ("seed", .null)]
    }
}
