import NeuralNet

/// Keras `GaussianNoise`.
enum GaussianNoiseCodec: LayerCodec {
    static let classNames = ["GaussianNoise"]

    static func layer(className: String, config: LayerConfigReader) throws -> GaussianNoise {
        GaussianNoise(standardDeviation: Float(try config.double("stddev")), name: config.layer)
    }

    static func config(of layer: GaussianNoise, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("stddev", .float(layer.standardDeviation)), ("seed", .null)]
    }
}
