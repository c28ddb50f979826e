import NeuralNet

/// Keras `Conv1D` (channels_last; `causal` padding too).
enum Conv1DCodec: LayerCodec {
    static let classNames = ["Conv1D"]
    static let keys: [ConfigKey<Conv1D>] = ConvolutionKeys.keys(rank: 1, padding: [.valid, .same, .causal])

    static func layer(className: String, settings: LayerSettings<Conv1D>) throws -> Conv1D {
        let window = try ConvolutionWindowKeys.window(settings)
        return try ConvolutionKeys.initialize(Conv1D(filters: try settings[\.filters], kernelSize: window.kernel[0], strides: window.strides[0],
                                                     padding: window.padding, dilationRate: window.dilation[0], groups: try settings[\.groups],
                                                     activation: try settings[\.activation], useBias: try settings[\.useBias], name: settings.name),
                                              from: settings)
    }
}
