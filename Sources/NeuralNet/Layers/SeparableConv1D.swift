/// Keras `SeparableConv1D` (channels_last) over (steps, channels) inputs; see ``SeparableConvolution``.
public final class SeparableConv1D: SeparableConvolution {
    /// A layer with Keras's options; its kernels are created when the model is built.
    public init(filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid, depthMultiplier: Int = 1, dilationRate: Int = 1,
                activation: Activation = .linear, useBias: Bool = true, name: String = "separable_conv1d") {
        super.init(className: "SeparableConv1D", rank: 1, filters: filters, kernelSize: [kernelSize], strides: [strides],
                   dilationRate: [dilationRate], depthMultiplier: depthMultiplier, padding: padding, activation: activation,
                   useBias: useBias, name: name)
    }
}
