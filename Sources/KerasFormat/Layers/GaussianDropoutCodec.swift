import NeuralNet

/// Keras `GaussianDropout`.
enum GaussianDropoutCodec: LayerCodec {
    static let classNames = ["GaussianDropout"]

    static func layer(className: String, config: LayerConfigReader) throws -> GaussianDropout {
        GaussianDropout(rate: try config.rate(), name: config.layer)
    }

    static func config(of layer: GaussianDropout, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("rate", .float(layer.rate)), ("seed", .null)]
    }
}
