import NeuralNet

/// Keras `MaxPooling1D` and `AveragePooling1D`.
enum Pooling1DCodec: LayerCodec {
    static let classNames = ["MaxPooling1D", "AveragePooling1D"]
    static let keys: [ConfigKey<Pooling1D>] = [
        ConfigKey("pool_size", \.poolSize, .size, default: 2), ConfigKey("padding", \.padding, .padding(), default: .valid),
        ConfigKey(optional: "strides", \.givenStrides, .size), .channelsLast,
    ]

    static func layer(className: String, settings: LayerSettings<Pooling1D>) throws -> Pooling1D {
        let pool = try settings[\.poolSize]
        return Pooling1D(className == "MaxPooling1D" ? .max : .average, poolSize: pool, strides: try settings[\.givenStrides] ?? pool,
                         padding: try settings[\.padding], name: settings.name)
    }
}

private extension Pooling1D {
    /// The strides, as the optional `strides` key holds them (missing or null: the pool size).
    var givenStrides: Int? { strides }
}
