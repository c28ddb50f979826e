import NeuralNet

/// Keras `LayerNormalization` (the deprecated `rms_scaling=True` is refused).
enum LayerNormalizationCodec: LayerCodec {
    static let classNames = ["LayerNormalization"]
    static let keys: [ConfigKey<LayerNormalization>] = [
        ConfigKey("axis", \.axes, .axes, default: [-1]), ConfigKey("epsilon", \.epsilon, .float, default: 1e-3),
        ConfigKey("center", \.center, .bool, default: true), ConfigKey("scale", \.scale, .bool, default: true),
        .fixed("rms_scaling", .bool(false), otherwise: .refusal, written: false),
        ConfigKey("beta_initializer", \.betaInitializer, .initializer, default: .zeros),
        ConfigKey("gamma_initializer", \.gammaInitializer, .initializer, default: .ones),
    ] + ConfigKey.notApplied("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")

    static func layer(className: String, settings: LayerSettings<LayerNormalization>) throws -> LayerNormalization {
        let layer = LayerNormalization(axes: try settings[\.axes], epsilon: try settings[\.epsilon], center: try settings[\.center],
                                       scale: try settings[\.scale], name: settings.name)
        layer.gammaInitializer = try settings[\.gammaInitializer]
        layer.betaInitializer = try settings[\.betaInitializer]
        return layer
    }
}
