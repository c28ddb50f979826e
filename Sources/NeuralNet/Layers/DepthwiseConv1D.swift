/// Keras `DepthwiseConv1D` (channels_last): kernel `(k, in, depth multiplier)` over (steps, channels) inputs;
/// see ``DepthwiseConvolution``.
public final class DepthwiseConv1D: DepthwiseConvolution {
    /// A layer with Keras's options; its kernel is created when the model is built.
    public init(kernelSize: Int, strides: Int = 1, padding: Padding = .valid, depthMultiplier: Int = 1, dilationRate: Int = 1,
                activation: Activation = .linear, useBias: Bool = true, name: String = "depthwise_conv1d") {
        super.init(className: "DepthwiseConv1D", rank: 1, kernelSize: [kernelSize], strides: [strides], dilationRate: [dilationRate],
                   depthMultiplier: depthMultiplier, padding: padding, activation: activation, useBias: useBias, name: name)
    }
}
