/// Keras `Conv2D` (channels_last): kernel `(kh, kw, in / groups, filters)` over (height, width, channels)
/// inputs; see ``Convolution``.
public final class Conv2D: Convolution {
    /// A layer with Keras's options; its kernel is created when the model is built.
    public init(filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                dilationRate: (Int, Int) = (1, 1), groups: Int = 1, activation: Activation = .linear, useBias: Bool = true,
                name: String = "conv2d") {
        super.init(className: "Conv2D", rank: 2, filters: filters, kernelSize: [kernelSize.0, kernelSize.1], strides: [strides.0, strides.1],
                   dilationRate: [dilationRate.0, dilationRate.1], groups: groups, padding: padding, activation: activation,
                   useBias: useBias, name: name)
    }
}
