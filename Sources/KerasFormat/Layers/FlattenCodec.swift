import NeuralNet

/// Keras `Flatten`.
enum FlattenCodec: LayerCodec {
    static let classNames = ["Flatten"]
    static let keys: [ConfigKey<Flatten>] = [.channelsLast]

    static func layer(className: String, settings: LayerSettings<Flatten>) throws -> Flatten { Flatten(name: settings.name) }
}
