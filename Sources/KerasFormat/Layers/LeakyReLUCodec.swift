import NeuralNet

/// Keras `LeakyReLU`: the slope is `negative_slope` in Keras 3 and `alpha` in Keras 2 (Keras 3 still reads
/// `alpha`, with a deprecation warning, so each flavour gets its own key).
enum LeakyReLUCodec: LayerCodec {
    static let classNames = ["LeakyReLU"]

    static func layer(className: String, config: LayerConfigReader) throws -> LeakyReLU {
        let key = config.config["negative_slope"] == nil && config.config["alpha"] != nil ? "alpha" : "negative_slope"
        return LeakyReLU(negativeSlope: try config.float(key, default: 0.3), name: config.layer)
    }

    static func config(of layer: LeakyReLU, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [(flavour == .keras2 ? "alpha" : "negative_slope", .float(layer.negativeSlope))]
    }
}
