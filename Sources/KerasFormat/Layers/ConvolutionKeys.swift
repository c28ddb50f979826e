import NeuralNet

/// The config keys every Keras convolution of `rank` spatial axes shares (Keras's `BaseConv`), in the order
/// `get_config` lists them.
enum ConvolutionKeys {
    static func keys<Layer: Convolution>(rank: Int, padding: [Padding]) -> [ConfigKey<Layer>] {
        return [
            ConfigKey("filters", \.filters, .positive)
        ] + ConvolutionWindowKeys.keys(rank: rank, paddings: padding) + [
            ConfigKey("groups", \.groups, .positive, default: 1), ConfigKey("activation", \.activation, .activation, default: .linear),
            ConfigKey("use_bias", \.useBias, .bool, default: true),
            ConfigKey("kernel_initializer", \.kernelInitializer, .initializer, default: .glorotUniform),
            ConfigKey("bias_initializer", \.biasInitializer, .initializer, default: .zeros),
        ] + ConfigKey.notApplied("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")
    }

    /// Sets the initializers the keys hold on `layer`.
    static func initialize<Layer: Convolution>(_ layer: Layer, from settings: LayerSettings<Layer>) throws -> Layer {
        layer.kernelInitializer = try settings[\.kernelInitializer]
        layer.biasInitializer = try settings[\.biasInitializer]
        return layer
    }
}
