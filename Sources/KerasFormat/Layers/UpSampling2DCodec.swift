import NeuralNet

/// Keras `UpSampling2D` (nearest and bilinear; Keras 3's bicubic and Lanczos are refused by name).
enum UpSampling2DCodec: LayerCodec {
    static let classNames = ["UpSampling2D"]
    static let keys: [ConfigKey<UpSampling2D>] = [
        ConfigKey("size", \.size, .pair, default: (2, 2)), .channelsLast,
        ConfigKey("interpolation", \.interpolation, .interpolation, default: .nearest),
    ]

    static func layer(className: String, settings: LayerSettings<UpSampling2D>) throws -> UpSampling2D {
        UpSampling2D(size: try settings[\.size], interpolation: try settings[\.interpolation], name: settings.name)
    }
}

private extension ValueCoding where Value == UpSampling2D.Interpolation {
    /// `nearest` or `bilinear`.
    static var interpolation: ValueCoding {
        ValueCoding(read: { item, context in
            guard let name = item.stringValue, let interpolation = UpSampling2D.Interpolation(rawValue: name) else {
                let supported = UpSampling2D.Interpolation.allCases.map(\.rawValue).joined(separator: ", ")
                throw context.reader.unsupported("interpolation \(item.pythonJSON) (supported: \(supported))")
            }
            return interpolation
        }, write: { value, _ in .string(value.rawValue) })
    }
}
