/// Keras `Conv2DTranspose` (channels_last): kernel `(kh, kw, filters, in)` over (height, width, channels)
/// inputs, the up-sampling convolution of autoencoders and generators; see ``ConvolutionTranspose``.
public final class Conv2DTranspose: ConvolutionTranspose {
    /// A layer with Keras's options; its kernel is created when the model is built.
    public init(filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                outputPadding: (Int, Int)? = nil, dilationRate: (Int, Int) = (1, 1), activation: Activation = .linear,
                useBias: Bool = true, name: String = "conv2d_transpose") {
        super.init(className: "Conv2DTranspose", rank: 2, filters: filters, kernelSize: [kernelSize.0, kernelSize.1],
                   strides: [strides.0, strides.1], padding: padding, outputPadding: outputPadding.map { [$0.0, $0.1] },
                   dilationRate: [dilationRate.0, dilationRate.1], activation: activation, useBias: useBias, name: name)
    }
}
