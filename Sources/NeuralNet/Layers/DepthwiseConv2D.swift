/// Keras `DepthwiseConv2D` (channels_last): kernel `(kh, kw, in, depth multiplier)` over (height, width,
/// channels) inputs; see ``DepthwiseConvolution``.
public final class DepthwiseConv2D: DepthwiseConvolution {
    /// A layer with Keras's options; its kernel is created when the model is built.
    public init(kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid, depthMultiplier: Int = 1,
                dilationRate: (Int, Int) = (1, 1), activation: Activation = .linear, useBias: Bool = true, name: String = "depthwise_conv2d") {
        super.init(className: "DepthwiseConv2D", rank: 2, kernelSize: [kernelSize.0, kernelSize.1], strides: [strides.0, strides.1],
                   dilationRate: [dilationRate.0, dilationRate.1], depthMultiplier: depthMultiplier, padding: padding,
                   activation: activation, useBias: useBias, name: name)
    }
}
