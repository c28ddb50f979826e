import NeuralNet

/// Keras `LeakyReLU`: the slope is `negative_slope` in Keras 3 and `alpha` in Keras 2 (Keras 3 still reads
/// `alpha`, with a deprecation warning, so each flavour gets its own key).
enum LeakyReLUCodec: LayerCodec {
    static let classNames = ["LeakyReLU"]
    static let keys: [ConfigKey<LeakyReLU>] = [ConfigKey("negative_slope", keras2Name: "alpha", \.negativeSlope, .float, default: 0.3)]

    static func layer(className: String, settings: LayerSettings<LeakyReLU>) throws -> LeakyReLU {
        LeakyReLU(negativeSlope: try settings[\.negativeSlope], name: settings.name)
    }
}
