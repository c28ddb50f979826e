import NeuralNet

/// Keras `Normalization`, with adapted weights or with `mean` and `variance` given in the config (one number,
/// or a flat list with one value per position of the kept axes).
enum NormalizationCodec: LayerCodec {
    static let classNames = ["Normalization"]
    static let keys: [ConfigKey<Normalization>] = [
        ConfigKey("axis", \.axes, .keptAxes, default: [-1]), ConfigKey("invert", \.invert, .bool, default: false),
        ConfigKey(optional: "mean", \.givenMean, .figures), ConfigKey(optional: "variance", \.givenVariance, .figures),
    ]

    static func layer(className: String, settings: LayerSettings<Normalization>) throws -> Normalization {
        Normalization(axes: try settings[\.axes], mean: try settings[\.givenMean], variance: try settings[\.givenVariance],
                      invert: try settings[\.invert], name: settings.name)
    }
}

private extension ValueCoding where Value == [Int] {
    /// The axes statistics are kept along: one, a list of up to 8, or null for none (one mean for everything);
    /// written as a list.
    static var keptAxes: ValueCoding {
        ValueCoding(read: { item, context in
            if item.isNull { return [] }
            if let axis = item.intValue { return [axis] }
            guard let list = item.arrayValue, list.count <= 8, list.allSatisfy({ $0.intValue != nil }) else {
                throw context.invalid("must be an integer, a list of them or null, found \(item.pythonJSON)")
            }
            return list.compactMap(\.intValue)
        }, write: { value, _ in .array(value.map(JSONValue.int)) }, readsNull: true)
    }
}

private extension ValueCoding where Value == [Float] {
    /// A finite number or a flat list of them; one value is written as the number.
    static var figures: ValueCoding {
        ValueCoding(read: { item, context in
            let values = item.doubleValue.map { [$0] } ?? item.arrayValue?.compactMap(\.doubleValue)
            guard let values, values.count == (item.arrayValue?.count ?? 1), values.allSatisfy({ Float($0).isFinite }) else {
                throw context.invalid("must be a finite number or a flat list of them, found \(item.pythonJSON)")
            }
            return values.map(Float.init)
        }, write: { value, _ in value.count == 1 ? .float(value[0]) : .array(value.map(JSONValue.float)) })
    }
}
