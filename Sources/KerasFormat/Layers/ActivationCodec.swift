import NeuralNet

/// Keras `Activation`.
enum ActivationCodec: LayerCodec {
    static let classNames = ["Activation"]

    static func layer(className: String, config: LayerConfigReader) throws -> ActivationLayer {
        ActivationLayer(try config.activation(), name: config.layer)
    }

    static func config(of layer: ActivationLayer, flavour: KerasFlavour) -> [(String, JSONValue)] { [("activation", .activation(layer.activation, flavour))] }
}
