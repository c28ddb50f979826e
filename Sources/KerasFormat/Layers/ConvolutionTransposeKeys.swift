import NeuralNet

/// The config keys Keras's transposed convolutions of `rank` spatial axes share (Keras's `BaseConvTranspose`),
/// in the order `get_config` lists them; Keras 2 also writes `groups`, always 1.
enum ConvolutionTransposeKeys {
    static func keys<Layer: ConvolutionTranspose>(rank: Int) -> [ConfigKey<Layer>] {
        return [
            ConfigKey("filters", \.filters, .positive), ConfigKey(optional: "output_padding", \.outputPadding, .sizes(rank: rank, minimum: 0)),
        ] + ConvolutionWindowKeys.keys(rank: rank) + [
            .fixed("groups", .int(1), otherwise: .refusal, written: false),
            ConfigKey("activation", \.activation, .activation, default: .linear), ConfigKey("use_bias", \.useBias, .bool, default: true),
            ConfigKey("kernel_initializer", \.kernelInitializer, .initializer, default: .glorotUniform),
            ConfigKey("bias_initializer", \.biasInitializer, .initializer, default: .zeros),
        ] + ConfigKey.notApplied("kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint", "bias_constraint")
    }

    /// Sets the initializers the keys hold on `layer`.
    static func initialize<Layer: ConvolutionTranspose>(_ layer: Layer, from settings: LayerSettings<Layer>) throws -> Layer {
        layer.kernelInitializer = try settings[\.kernelInitializer]
        layer.biasInitializer = try settings[\.biasInitializer]
        return layer
    }
}
