import NeuralNet

/// Keras `ELU`.
enum ELUCodec: LayerCodec {
    static let classNames = ["ELU"]

    static func layer(className: String, config: LayerConfigReader) throws -> ELU {
        ELU(alpha: try config.float("alpha", default: 1), name: config.layer)
    }

    static func config(of layer: ELU, flavour: KerasFlavour) -> [(String, JSONValue)] { [("alpha", .float(layer.alpha))] }
}
