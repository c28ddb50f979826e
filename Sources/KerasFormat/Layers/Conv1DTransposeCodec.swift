import NeuralNet

/// Keras `Conv1DTranspose` (channels_last).
enum Conv1DTransposeCodec: LayerCodec {
    static let classNames = ["Conv1DTranspose"]
    static let keys: [ConfigKey<Conv1DTranspose>] = ConvolutionTransposeKeys.keys(rank: 1)

    static func layer(className: String, settings: LayerSettings<Conv1DTranspose>) throws -> Conv1DTranspose {
        let window = try ConvolutionWindowKeys.window(settings)
        return try ConvolutionTransposeKeys.initialize(
            Conv1DTranspose(filters: try settings[\.filters], kernelSize: window.kernel[0], strides: window.strides[0], padding: window.padding,
                            outputPadding: try settings[\.outputPadding]?[0], dilationRate: window.dilation[0],
                            activation: try settings[\.activation], useBias: try settings[\.useBias], name: settings.name), from: settings)
    }
}
