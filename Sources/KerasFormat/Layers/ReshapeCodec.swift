import NeuralNet

/// Keras `Reshape`.
enum ReshapeCodec: LayerCodec {
    static let classNames = ["Reshape"]

    static func layer(className: String, config: LayerConfigReader) throws -> Reshape {
        Reshape(try config.intList("target_shape"), name: config.layer)
    }

    static func config(of layer: Reshape, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("target_shape", .array(layer.targetShape.map(JSONValue.int)))]
    }
}
