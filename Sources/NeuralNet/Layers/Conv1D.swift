/// Keras `Conv1D` (channels_last): kernel `(k, in / groups, filters)` over (steps, channels) inputs, with
/// `causal` padding for models that must not see later steps; see ``Convolution``.
public final class Conv1D: Convolution {
    /// A layer with Keras's options; its kernel is created when the model is built.
    public init(filters: Int, kernelSize: Int, strides: Int = 1, padding: Padding = .valid, dilationRate: Int = 1, groups: Int = 1,
                activation: Activation = .linear, useBias: Bool = true, name: String = "conv1d") {
        super.init(className: "Conv1D", rank: 1, filters: filters, kernelSize: [kernelSize], strides: [strides], dilationRate: [dilationRate],
                   groups: groups, padding: padding, activation: activation, useBias: useBias, name: name)
    }
}
