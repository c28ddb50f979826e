import NeuralNet

/// Keras `ZeroPadding1D` (`data_format`, which only recent Keras 3 releases take, is read but not written).
enum ZeroPadding1DCodec: LayerCodec {
    static let classNames = ["ZeroPadding1D"]
    static let keys: [ConfigKey<ZeroPadding1D>] = [
        ConfigKey("padding", \.padding, .twoEnds, default: (1, 1)),
        .fixed("data_format", .string("channels_last"), otherwise: .refusal, written: false),
    ]

    static func layer(className: String, settings: LayerSettings<ZeroPadding1D>) throws -> ZeroPadding1D {
        let padding = try settings[\.padding]
        return ZeroPadding1D(start: padding.start, end: padding.end, name: settings.name)
    }
}
