import NeuralNet

/// Keras `GaussianNoise`.
enum GaussianNoiseCodec: LayerCodec {
    static let classNames = ["GaussianNoise"]
    static let keys: [ConfigKey<GaussianNoise>] = [ConfigKey("stddev", \.standardDeviation, .float), .seed]

    static func layer(className: String, settings: LayerSettings<GaussianNoise>) throws -> GaussianNoise {
        GaussianNoise(standardDeviation: try settings[\.standardDeviation], name: settings.name)
    }
}
