/// Keras `SeparableConv2D` (channels_last) over (height, width, channels) inputs; see
/// ``SeparableConvolution``.
public final class SeparableConv2D: SeparableConvolution {
    /// A layer with Keras's options; its kernels are created when the model is built.
    public init(filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid, depthMultiplier: Int = 1,
                dilationRate: (Int, Int) = (1, 1), activation: Activation = .linear, useBias: Bool = true, name: String = "separable_conv2d") {
        super.init(className: "SeparableConv2D", rank: 2, filters: filters, kernelSize: [kernelSize.0, kernelSize.1], strides: [strides.0, strides.1],
                   dilationRate: [dilationRate.0, dilationRate.1], depthMultiplier: depthMultiplier, padding: padding,
                   activation: activation, useBias: useBias, name: name)
    }
}
