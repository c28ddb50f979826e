import NeuralNet

/// Keras `Dropout` (without a noise shape).
enum DropoutCodec: LayerCodec {
    static let classNames = ["Dropout"]

    static func layer(className: String, config: LayerConfigReader) throws -> Dropout {
        guard config.config["noise_shape"]?.isNull ?? true else { throw config.unsupported("noise_shape") }
        return Dropout(rate: try config.rate(), name: config.layer)
    }

    static func config(of dropout: Dropout, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("rate", .float(dropout.rate)), ("noise_shape", .null), ("seed", .null)]
    }
}
