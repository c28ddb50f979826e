import NeuralNet

/// Keras `Rescaling` (a number for `scale` and for `offset`; per-channel lists are refused).
enum RescalingCodec: LayerCodec {
    static let classNames = ["Rescaling"]
    static let keys: [ConfigKey<Rescaling>] = [ConfigKey("scale", \.scale, .scalar, default: 1), ConfigKey("offset", \.offset, .scalar, default: 0)]

    static func layer(className: String, settings: LayerSettings<Rescaling>) throws -> Rescaling {
        Rescaling(scale: try settings[\.scale], offset: try settings[\.offset], name: settings.name)
    }
}

private extension ValueCoding where Value == Float {
    /// One number; a per-channel list is refused by name.
    static var scalar: ValueCoding {
        ValueCoding(read: { item, context in
            if item.arrayValue != nil { throw context.reader.unsupported("\(context.key) as a list (only one number for every value)") }
            return try float.read(item, context)
        }, write: float.write)
    }
}
