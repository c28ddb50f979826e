import NeuralNet

/// Keras `SpatialDropout2D` (whose Keras 3 class refuses a `trainable` key).
enum SpatialDropout2DCodec: LayerCodec {
    static let classNames = ["SpatialDropout2D"]
    static let takesTrainable = false

    static func layer(className: String, config: LayerConfigReader) throws -> SpatialDropout2D {
        SpatialDropout2D(rate: try config.rate(), name: config.layer)
    }

    static func config(of layer: SpatialDropout2D, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("rate", .float(layer.rate)), ("data_format", .string("channels_last")), ("seed", .null)]
    }
}
