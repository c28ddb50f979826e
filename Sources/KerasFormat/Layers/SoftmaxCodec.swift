import NeuralNet

/// Keras `Softmax` (one axis; a list of axes is refused).
enum SoftmaxCodec: LayerCodec {
    static let classNames = ["Softmax"]
    static let keys: [ConfigKey<Softmax>] = [ConfigKey("axis", \.axis, .oneAxis, default: -1)]

    static func layer(className: String, settings: LayerSettings<Softmax>) throws -> Softmax {
        Softmax(axis: try settings[\.axis], name: settings.name)
    }
}

private extension ValueCoding where Value == Int {
    /// One axis; a list is refused by name.
    static var oneAxis: ValueCoding {
        ValueCoding(read: { item, context in
            if item.arrayValue != nil { throw context.reader.unsupported("\(context.key) as a list (one axis only)") }
            return try int.read(item, context)
        }, write: int.write)
    }
}
