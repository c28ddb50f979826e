import NeuralNet

/// Keras `Cropping2D`.
enum Cropping2DCodec: LayerCodec {
    static let classNames = ["Cropping2D"]

    static func layer(className: String, config: LayerConfigReader) throws -> Cropping2D {
        let c = try config.fourSides("cropping", default: 0)
        return Cropping2D(top: c.0, bottom: c.1, left: c.2, right: c.3, name: config.layer)
    }

    static func config(of layer: Cropping2D, flavour: KerasFlavour) -> [(String, JSONValue)] {
        let c = layer.cropping
        return [("cropping", .array([.pair(c.top, c.bottom), .pair(c.left, c.right)])), ("data_format", .string("channels_last"))]
    }
}
