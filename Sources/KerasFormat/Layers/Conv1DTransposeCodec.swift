import NeuralNet

/// Keras `Conv1DTranspose` (channels_last).
enum Conv1DTransposeCodec: LayerCodec {
    static let classNames = ["Conv1DTranspose"]
    static let keys: [ConfigKey<Conv1DTranspose>] = ConvolutionTransposeKeys.keys(rank: 1)

    static func layer(className: String, settings: LayerSettings<Conv1DTranspose>) throws -> Conv1DTranspose {
        try ConvolutionTransposeKeys.initialize(
            Conv1DTranspose(filters: try settings[\.filters], kernelSize: try settings[\.kernelSize][0], strides: try settings[\.strides][0],
                            padding: try settings[\.padding], outputPadding: try settings[\.outputPadding]?[0],
                            dilationRate: try settings[\.dilationRate][0], activation: try settings[\.activation],
                            useBias: try settings[\.useBias], name: settings.name), from: settings)
    }
}
