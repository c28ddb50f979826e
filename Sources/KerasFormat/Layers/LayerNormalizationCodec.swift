import NeuralNet

/// Keras `LayerNormalization` (the deprecated `rms_scaling=True` is refused).
enum LayerNormalizationCodec: LayerCodec {
    static let classNames = ["LayerNormalization"]

    static func layer(className: String, config: LayerConfigReader) throws -> LayerNormalization {
        if try config.bool("rms_scaling", default: false) { throw config.unsupported("rms_scaling") }
        let axes: [Int]
        if let axis = config.config["axis"]?.intValue {
            axes = [axis]
        } else if let items = config.config["axis"]?.arrayValue, !items.isEmpty, items.allSatisfy({ $0.intValue != nil }) {
            axes = items.compactMap(\.intValue)
        } else if config.config["axis"] == nil {
            axes = [-1]
        } else {
            throw config.invalid("axis", "must be an integer or a list of them, found \(config.config["axis"]!.pythonJSON)")
        }
        let layer = LayerNormalization(axes: axes, epsilon: try config.float("epsilon", default: 1e-3),
                                       center: try config.bool("center", default: true), scale: try config.bool("scale", default: true),
                                       name: config.layer)
        layer.gammaInitializer = config.initializer("gamma_initializer") ?? layer.gammaInitializer
        layer.betaInitializer = config.initializer("beta_initializer") ?? layer.betaInitializer
        return layer
    }

    static func config(of layer: LayerNormalization, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("axis", layer.axes.count == 1 ? .int(layer.axes[0]) : .array(layer.axes.map(JSONValue.int))), ("epsilon", .float(layer.epsilon)),
         ("center", .bool(layer.center)), ("scale", .bool(layer.scale)), ("beta_initializer", InitializerConfig.json(layer.betaInitializer)),
         ("gamma_initializer", InitializerConfig.json(layer.gammaInitializer)), ("beta_regularizer", .null), ("gamma_regularizer", .null),
         ("beta_constraint", .null), ("gamma_constraint", .null)]
    }
}
