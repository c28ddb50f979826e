import NeuralNet

/// Keras `Flatten`.
enum FlattenCodec: LayerCodec {
    static let classNames = ["Flatten"]

    static func layer(className: String, config: LayerConfigReader) throws -> Flatten { Flatten(name: config.layer) }

    static func config(of layer: Flatten, flavour: KerasFlavour) -> [(String, JSONValue)] { [("data_format", .string("channels_last"))] }
}
