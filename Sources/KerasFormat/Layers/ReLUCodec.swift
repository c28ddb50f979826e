import NeuralNet

/// Keras `ReLU`.
enum ReLUCodec: LayerCodec {
    static let classNames = ["ReLU"]

    static func layer(className: String, config: LayerConfigReader) throws -> ReLU {
        ReLU(maxValue: try config.optionalFloat("max_value"), negativeSlope: try config.float("negative_slope", default: 0),
             threshold: try config.float("threshold", default: 0), name: config.layer)
    }

    static func config(of layer: ReLU, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("max_value", layer.maxValue.map(JSONValue.float) ?? .null), ("negative_slope", .float(layer.negativeSlope)),
         ("threshold", .float(layer.threshold))]
    }
}
