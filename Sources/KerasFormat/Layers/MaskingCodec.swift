import NeuralNet

/// Keras `Masking`.
enum MaskingCodec: LayerCodec {
    static let classNames = ["Masking"]
    static let keys: [ConfigKey<Masking>] = [ConfigKey("mask_value", \.maskValue, .float, default: 0)]

    static func layer(className: String, settings: LayerSettings<Masking>) throws -> Masking {
        Masking(maskValue: try settings[\.maskValue], name: settings.name)
    }
}
