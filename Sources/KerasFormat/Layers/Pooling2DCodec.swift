import NeuralNet

/// Keras `MaxPooling2D` and `AveragePooling2D`.
enum Pooling2DCodec: LayerCodec {
    static let classNames = ["MaxPooling2D", "AveragePooling2D"]
    static let keys: [ConfigKey<Pooling2D>] = [
        ConfigKey("pool_size", \.poolSize, .pair, default: (2, 2)), ConfigKey("padding", \.padding, .padding(), default: .valid),
        ConfigKey(optional: "strides", \.givenStrides, .pair), .channelsLast,
    ]

    static func layer(className: String, settings: LayerSettings<Pooling2D>) throws -> Pooling2D {
        let pool = try settings[\.poolSize]
        return Pooling2D(className == "MaxPooling2D" ? .max : .average, poolSize: pool, strides: try settings[\.givenStrides] ?? pool,
                         padding: try settings[\.padding], name: settings.name)
    }
}

private extension Pooling2D {
    /// The strides, as the optional `strides` key holds them (missing or null: the pool size).
    var givenStrides: (height: Int, width: Int)? { strides }
}
