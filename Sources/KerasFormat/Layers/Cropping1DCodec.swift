import NeuralNet

/// Keras `Cropping1D`.
enum Cropping1DCodec: LayerCodec {
    static let classNames = ["Cropping1D"]
    static let keys: [ConfigKey<Cropping1D>] = [ConfigKey("cropping", \.cropping, .twoEnds, default: (1, 1))]

    static func layer(className: String, settings: LayerSettings<Cropping1D>) throws -> Cropping1D {
        let cropping = try settings[\.cropping]
        return Cropping1D(start: cropping.start, end: cropping.end, name: settings.name)
    }
}
