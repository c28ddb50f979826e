import NeuralNet

/// Keras `ELU`.
enum ELUCodec: LayerCodec {
    static let classNames = ["ELU"]
    static let keys: [ConfigKey<ELU>] = [ConfigKey("alpha", \.alpha, .float, default: 1)]

    static func layer(className: String, settings: LayerSettings<ELU>) throws -> ELU {
        ELU(alpha: try settings[\.alpha], name: settings.name)
    }
}
