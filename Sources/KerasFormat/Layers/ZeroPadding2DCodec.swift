import NeuralNet

/// Keras `ZeroPadding2D`.
enum ZeroPadding2DCodec: LayerCodec {
    static let classNames = ["ZeroPadding2D"]

    static func layer(className: String, config: LayerConfigReader) throws -> ZeroPadding2D {
        let p = try config.fourSides("padding", default: 1)
        return ZeroPadding2D(top: p.0, bottom: p.1, left: p.2, right: p.3, name: config.layer)
    }

    static func config(of layer: ZeroPadding2D, flavour: KerasFlavour) -> [(String, JSONValue)] {
        let p = layer.padding
        return [("padding", .array([.pair(p.top, p.bottom), .pair(p.left, p.right)])), ("data_format", .string("channels_last"))]
    }
}
