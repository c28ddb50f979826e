import NeuralNet

/// Keras `Rescaling` (a number for `scale` and for `offset`; per-channel lists are refused).
enum RescalingCodec: LayerCodec {
    static let classNames = ["Rescaling"]

    static func layer(className: String, config: LayerConfigReader) throws -> Rescaling {
        for key in ["scale", "offset"] where config.config[key]?.arrayValue != nil {
            throw config.unsupported("\(key) as a list (only one number for every value)")
        }
        return Rescaling(scale: try config.float("scale", default: 1), offset: try config.float("offset", default: 0), name: config.layer)
    }

    static func config(of layer: Rescaling, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("scale", .float(layer.scale)), ("offset", .float(layer.offset))]
    }
}
