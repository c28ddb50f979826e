import NeuralNet

/// Keras `AlphaDropout` (without a noise shape).
enum AlphaDropoutCodec: LayerCodec {
    static let classNames = ["AlphaDropout"]
    static let keys: [ConfigKey<AlphaDropout>] = [ConfigKey("rate", \.rate, .rate), .fixed("noise_shape", .null, otherwise: .refusal), .seed]

    static func layer(className: String, settings: LayerSettings<AlphaDropout>) throws -> AlphaDropout {
        AlphaDropout(rate: try settings[\.rate], name: settings.name)
    }
}
