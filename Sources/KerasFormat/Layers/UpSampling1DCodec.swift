import NeuralNet

/// Keras `UpSampling1D`.
enum UpSampling1DCodec: LayerCodec {
    static let classNames = ["UpSampling1D"]
    static let keys: [ConfigKey<UpSampling1D>] = [ConfigKey("size", \.size, .positive, default: 2)]

    static func layer(className: String, settings: LayerSettings<UpSampling1D>) throws -> UpSampling1D {
        UpSampling1D(size: try settings[\.size], name: settings.name)
    }
}
