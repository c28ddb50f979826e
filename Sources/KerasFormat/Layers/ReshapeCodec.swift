import NeuralNet

/// Keras `Reshape`.
enum ReshapeCodec: LayerCodec {
    static let classNames = ["Reshape"]
    static let keys: [ConfigKey<Reshape>] = [ConfigKey("target_shape", \.targetShape, .intList)]

    static func layer(className: String, settings: LayerSettings<Reshape>) throws -> Reshape {
        Reshape(try settings[\.targetShape], name: settings.name)
    }
}
