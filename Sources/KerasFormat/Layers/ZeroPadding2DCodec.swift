import NeuralNet

/// Keras `ZeroPadding2D`.
enum ZeroPadding2DCodec: LayerCodec {
    static let classNames = ["ZeroPadding2D"]
    static let keys: [ConfigKey<ZeroPadding2D>] = [ConfigKey("padding", \.padding, .fourSides, default: (1, 1, 1, 1)), .channelsLast]

    static func layer(className: String, settings: LayerSettings<ZeroPadding2D>) throws -> ZeroPadding2D {
        let p = try settings[\.padding]
        return ZeroPadding2D(top: p.top, bottom: p.bottom, left: p.left, right: p.right, name: settings.name)
    }
}
