import NeuralNet

/// Keras `Normalization`, with adapted weights or with `mean` and `variance` given in the config (one number,
/// or a flat list with one value per position of the kept axes).
enum NormalizationCodec: LayerCodec {
    static let classNames = ["Normalization"]

    static func layer(className: String, config: LayerConfigReader) throws -> Normalization {
        let axes: [Int]
        switch config.config["axis"] {
        case nil: axes = [-1]
        case .null?: axes = []
        case let item? where item.intValue != nil: axes = [item.intValue!]
        case let item?:
            guard let list = item.arrayValue, list.count <= 8, list.allSatisfy({ $0.intValue != nil }) else {
                throw config.invalid("axis", "must be an integer, a list of them or null, found \(item.pythonJSON)")
            }
            axes = list.compactMap(\.intValue)
        }
        func figures(_ key: String) throws -> [Float]? {
            switch config.config[key] {
            case nil, .null?: return nil
            case let item?:
                let values = item.doubleValue.map { [$0] } ?? item.arrayValue?.compactMap(\.doubleValue)
                guard let values, values.count == (item.arrayValue?.count ?? 1), values.allSatisfy({ Float($0).isFinite }) else {
                    throw config.invalid(key, "must be a finite number or a flat list of them, found \(item.pythonJSON)")
                }
                return values.map(Float.init)
            }
        }
        return Normalization(axes: axes, mean: try figures("mean"), variance: try figures("variance"),
                             invert: try config.bool("invert", default: false), name: config.layer)
    }

    static func config(of layer: Normalization, flavour: KerasFlavour) -> [(String, JSONValue)] {
        func figures(_ values: [Float]?) -> JSONValue {
            guard let values else { return .null }
            return values.count == 1 ? .float(values[0]) : .array(values.map(JSONValue.float))
        }
        return [("axis", .array(layer.axes.map(JSONValue.int))), ("invert", .bool(layer.invert)),
                ("mean", figures(layer.givenMean)), ("variance", figures(layer.givenVariance))]
    }
}
