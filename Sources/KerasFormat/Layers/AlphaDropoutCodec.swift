import NeuralNet

/// Keras `AlphaDropout` (without a noise shape).
enum AlphaDropoutCodec: LayerCodec {
    static let classNames = ["AlphaDropout"]

    static func layer(className: String, config: LayerConfigReader) throws -> AlphaDropout {
        guard config.config["noise_shape"]?.isNull ?? true else { throw config.unsupported("noise_shape") }
        return AlphaDropout(rate: try config.rate(), name: config.layer)
    }

    static func config(of layer: AlphaDropout, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("rate", .float(layer.rate)), ("noise_shape", .null), ("seed", .null)]
    }
}
