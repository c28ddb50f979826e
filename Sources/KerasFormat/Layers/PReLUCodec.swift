import NeuralNet

/// Keras `PReLU` (alphas shared along `shared_axes`; regularisers and constraints are ignored with a notice).
enum PReLUCodec: LayerCodec {
    static let classNames = ["PReLU"]
    static let keys: [ConfigKey<PReLU>] = [ConfigKey("alpha_initializer", \.alphaInitializer, .initializer, default: .zeros)]
        + ConfigKey.notApplied("alpha_regularizer", "alpha_constraint") + [ConfigKey("shared_axes", \.sharedAxes, .sharedAxes, default: [])]

    static func layer(className: String, settings: LayerSettings<PReLU>) throws -> PReLU {
        let layer = PReLU(sharedAxes: try settings[\.sharedAxes], name: settings.name)
        layer.alphaInitializer = try settings[\.alphaInitializer]
        return layer
    }
}

private extension ValueCoding where Value == [Int] {
    /// One axis or a list of them; none is written as null.
    static var sharedAxes: ValueCoding {
        ValueCoding(read: { item, context in
            if let axis = item.intValue { return [axis] }
            return try intList.read(item, context)
        }, write: { value, flavour in value.isEmpty ? .null : intList.write(value, flavour) })
    }
}
