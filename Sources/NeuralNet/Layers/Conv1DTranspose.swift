/// Keras `Conv1DTranspose` (channels_last): kernel `(k, filters, in)` over (steps, channels) inputs; see
/// ``ConvolutionTranspose``.
public final class Conv1DTranspose: ConvolutionTranspose {
    /// A layer with Keras's options; its kernel is created when the model is built.
    public init(filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid, outputPadding: Int? = nil,
                dilationRate: Int = 1, activation: Activation = .linear, useBias: Bool = true, name: String = "conv1d_transpose") {
        super.init(className: "Conv1DTranspose", rank: 1, filters: filters, kernelSize: [kernelSize], strides: [strides], padding: padding,
                   outputPadding: outputPadding.map { [$0] }, dilationRate: [dilationRate], activation: activation, useBias: useBias,
                   name: name)
    }
}
