import NeuralNet

/// Keras `Conv2DTranspose` (channels_last).
enum Conv2DTransposeCodec: LayerCodec {
    static let classNames = ["Conv2DTranspose"]
    static let keys: [ConfigKey<Conv2DTranspose>] = ConvolutionTransposeKeys.keys(rank: 2)

    static func layer(className: String, settings: LayerSettings<Conv2DTranspose>) throws -> Conv2DTranspose {
        let window = try ConvolutionWindowKeys.window(settings), pair = ConvolutionWindowKeys.Window.pair
        return try ConvolutionTransposeKeys.initialize(
            Conv2DTranspose(filters: try settings[\.filters], kernelSize: pair(window.kernel), strides: pair(window.strides),
                            padding: window.padding, outputPadding: try settings[\.outputPadding].map(pair), dilationRate: pair(window.dilation),
                            activation: try settings[\.activation], useBias: try settings[\.useBias], name: settings.name), from: settings)
    }
}
