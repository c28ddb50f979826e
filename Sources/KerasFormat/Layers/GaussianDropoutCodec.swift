import NeuralNet

/// Keras `GaussianDropout`.
enum GaussianDropoutCodec: LayerCodec {
    static let classNames = ["GaussianDropout"]
    static let keys: [ConfigKey<GaussianDropout>] = [ConfigKey("rate", \.rate, .rate), .seed]

    static func layer(className: String, settings: LayerSettings<GaussianDropout>) throws -> GaussianDropout {
        GaussianDropout(rate: try settings[\.rate], name: settings.name)
    }
}
