import NeuralNet

/// The config keys Keras's separable convolutions of `rank` spatial axes share, in the order `get_config`
/// lists them.
enum SeparableConvolutionKeys {
    static func keys<Layer: SeparableConvolution>(rank: Int) -> [ConfigKey<Layer>] {
        return [
            ConfigKey("depth_multiplier", \.depthMultiplier, .positive, default: 1), ConfigKey("filters", \.filters, .positive),
        ] + ConvolutionWindowKeys.keys(rank: rank) + [
            ConfigKey("activation", \.activation, .activation, default: .linear), ConfigKey("use_bias", \.useBias, .bool, default: true),
            ConfigKey("depthwise_initializer", \.depthwiseInitializer, .initializer, default: .glorotUniform),
            ConfigKey("pointwise_initializer", \.pointwiseInitializer, .initializer, default: .glorotUniform),
            ConfigKey("bias_initializer", \.biasInitializer, .initializer, default: .zeros),
        ] + ConfigKey.notApplied("depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer",
                                 "depthwise_constraint", "pointwise_constraint", "bias_constraint")
    }

    /// Sets the initializers the keys hold on `layer`.
    static func initialize<Layer: SeparableConvolution>(_ layer: Layer, from settings: LayerSettings<Layer>) throws -> Layer {
        layer.depthwiseInitializer = try settings[\.depthwiseInitializer]
        layer.pointwiseInitializer = try settings[\.pointwiseInitializer]
        layer.biasInitializer = try settings[\.biasInitializer]
        return layer
    }
}
