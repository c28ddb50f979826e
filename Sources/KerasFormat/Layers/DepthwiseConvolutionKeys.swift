import NeuralNet

/// The config keys Keras's depthwise convolutions of `rank` spatial axes share, in the order `get_config`
/// lists them, and the Keras 2 name of their kernel.
enum DepthwiseConvolutionKeys {
    static func keys<Layer: DepthwiseConvolution>(rank: Int) -> [ConfigKey<Layer>] {
        return [
            ConfigKey("depth_multiplier", \.depthMultiplier, .positive, default: 1)
        ] + ConvolutionWindowKeys.keys(rank: rank) + [
            ConfigKey("activation", \.activation, .activation, default: .linear), ConfigKey("use_bias", \.useBias, .bool, default: true),
            ConfigKey("depthwise_initializer", \.depthwiseInitializer, .initializer, default: .glorotUniform),
            ConfigKey("bias_initializer", \.biasInitializer, .initializer, default: .zeros),
        ] + ConfigKey.notApplied("depthwise_regularizer", "bias_regularizer", "activity_regularizer", "depthwise_constraint", "bias_constraint")
    }

    /// Sets the initializers the keys hold on `layer`.
    static func initialize<Layer: DepthwiseConvolution>(_ layer: Layer, from settings: LayerSettings<Layer>) throws -> Layer {
        layer.depthwiseInitializer = try settings[\.depthwiseInitializer]
        layer.biasInitializer = try settings[\.biasInitializer]
        return layer
    }

    /// Keras 2 names the kernel `depthwise_kernel`; Keras 3 `kernel`.
    static func weightName(_ parameter: Parameter, flavour: KerasFlavour) -> String {
        flavour == .keras2 && parameter.name == "kernel" ? "depthwise_kernel" : parameter.name
    }
}
