import NeuralNet

/// Keras `Conv1D` (channels_last; `causal` padding too).
enum Conv1DCodec: LayerCodec {
    static let classNames = ["Conv1D"]
    static let keys: [ConfigKey<Conv1D>] = ConvolutionKeys.keys(rank: 1, padding: [.valid, .same, .causal])

    static func layer(className: String, settings: LayerSettings<Conv1D>) throws -> Conv1D {
        try ConvolutionKeys.initialize(Conv1D(filters: try settings[\.filters], kernelSize: try settings[\.kernelSize][0],
                                              strides: try settings[\.strides][0], padding: try settings[\.padding],
                                              dilationRate: try settings[\.dilationRate][0], groups: try settings[\.groups],
                                              activation: try settings[\.activation], useBias: try settings[\.useBias],
                                              name: settings.name), from: settings)
    }
}
