import NeuralNet

/// Keras `Dropout` (without a noise shape).
enum DropoutCodec: LayerCodec {
    static let classNames = ["Dropout"]
    static let keys: [ConfigKey<Dropout>] = [ConfigKey("rate", \.rate, .rate), .fixed("noise_shape", .null, otherwise: .refusal), .seed]

    static func layer(className: String, settings: LayerSettings<Dropout>) throws -> Dropout {
        Dropout(rate: try settings[\.rate], name: settings.name)
    }
}
