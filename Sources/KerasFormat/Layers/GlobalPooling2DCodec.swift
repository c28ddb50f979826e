import NeuralNet

/// Keras `GlobalAveragePooling2D` and `GlobalMaxPooling2D`.
enum GlobalPooling2DCodec: LayerCodec {
    static let classNames = ["GlobalAveragePooling2D", "GlobalMaxPooling2D"]

    static func layer(className: String, config: LayerConfigReader) throws -> GlobalPooling2D {
        GlobalPooling2D(className == "GlobalMaxPooling2D" ? .max : .average, keepDimensions: try config.bool("keepdims", default: false),
                        name: config.layer)
    }

    static func config(of layer: GlobalPooling2D, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("data_format", .string("channels_last")), ("keepdims", .bool(layer.keepDimensions))]
    }
}
