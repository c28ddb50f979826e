import NeuralNet

/// Keras `Conv2D` (channels_last).
enum Conv2DCodec: LayerCodec {
    static let classNames = ["Conv2D"]
    static let keys: [ConfigKey<Conv2D>] = ConvolutionKeys.keys(rank: 2, padding: [.valid, .same])

    static func layer(className: String, settings: LayerSettings<Conv2D>) throws -> Conv2D {
        let window = try ConvolutionWindowKeys.window(settings), pair = ConvolutionWindowKeys.Window.pair
        return try ConvolutionKeys.initialize(Conv2D(filters: try settings[\.filters], kernelSize: pair(window.kernel), strides: pair(window.strides),
                                                     padding: window.padding, dilationRate: pair(window.dilation), groups: try settings[\.groups],
                                                     activation: try settings[\.activation], useBias: try settings[\.useBias], name: settings.name),
                                              from: settings)
    }
}
