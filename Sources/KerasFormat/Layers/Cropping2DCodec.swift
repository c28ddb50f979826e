import NeuralNet

/// Keras `Cropping2D`.
enum Cropping2DCodec: LayerCodec {
    static let classNames = ["Cropping2D"]
    static let keys: [ConfigKey<Cropping2D>] = [ConfigKey("cropping", \.cropping, .fourSides, default: (0, 0, 0, 0)), .channelsLast]

    static func layer(className: String, settings: LayerSettings<Cropping2D>) throws -> Cropping2D {
        let c = try settings[\.cropping]
        return Cropping2D(top: c.top, bottom: c.bottom, left: c.left, right: c.right, name: settings.name)
    }
}
