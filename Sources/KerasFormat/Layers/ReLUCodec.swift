import NeuralNet

/// Keras `ReLU`.
enum ReLUCodec: LayerCodec {
    static let classNames = ["ReLU"]
    static let keys: [ConfigKey<ReLU>] = [ConfigKey(optional: "max_value", \.maxValue, .float), ConfigKey("negative_slope", \.negativeSlope, .float, default: 0),
                                          ConfigKey("threshold", \.threshold, .float, default: 0)]

    static func layer(className: String, settings: LayerSettings<ReLU>) throws -> ReLU {
        ReLU(maxValue: try settings[\.maxValue], negativeSlope: try settings[\.negativeSlope], threshold: try settings[\.threshold],
             name: settings.name)
    }
}
