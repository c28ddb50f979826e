import NeuralNet

/// Keras `Dense`.
enum DenseCodec: LayerCodec {
    static let classNames = ["Dense"]
    static let keys: [ConfigKey<Dense>] = [
        ConfigKey("units", \.units, .positive), ConfigKey("activation", \.activation, .activation, default: .linear),
        ConfigKey("use_bias", \.useBias, .bool, default: true),
        ConfigKey("kernel_initializer", \.kernelInitializer, .initializer, default: .glorotUniform),
        ConfigKey("bias_initializer", \.biasInitializer, .initializer, default: .zeros),
    ] + ConfigKey.notApplied("kernel_regularizer", "bias_regularizer", "kernel_constraint", "bias_constraint")
        + [.fixed("activity_regularizer", .null, otherwise: .notice, written: false)]

    static func layer(className: String, settings: LayerSettings<Dense>) throws -> Dense {
        let dense = Dense(units: try settings[\.units], activation: try settings[\.activation], useBias: try settings[\.useBias],
                          name: settings.name)
        dense.kernelInitializer = try settings[\.kernelInitializer]
        dense.biasInitializer = try settings[\.biasInitializer]
        return dense
    }
}
