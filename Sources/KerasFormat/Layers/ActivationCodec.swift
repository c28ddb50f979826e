import NeuralNet

/// Keras `Activation`.
enum ActivationCodec: LayerCodec {
    static let classNames = ["Activation"]
    static let keys: [ConfigKey<ActivationLayer>] = [ConfigKey("activation", \.activation, .activation, default: .linear)]

    static func layer(className: String, settings: LayerSettings<ActivationLayer>) throws -> ActivationLayer {
        ActivationLayer(try settings[\.activation], name: settings.name)
    }
}
