import NeuralNet

/// Keras `Concatenate`.
enum ConcatenateCodec: LayerCodec {
    static let classNames = ["Concatenate"]
    static let keys: [ConfigKey<Concatenate>] = [ConfigKey("axis", \.axis, .int, default: -1)]

    static func layer(className: String, settings: LayerSettings<Concatenate>) throws -> Concatenate {
        Concatenate(axis: try settings[\.axis], name: settings.name)
    }
}
