import NeuralNet

/// Keras `SeparableConv2D` (channels_last).
enum SeparableConv2DCodec: LayerCodec {
    static let classNames = ["SeparableConv2D"]
    static let keys: [ConfigKey<SeparableConv2D>] = SeparableConvolutionKeys.keys(rank: 2)

    static func layer(className: String, settings: LayerSettings<SeparableConv2D>) throws -> SeparableConv2D {
        let window = try ConvolutionWindowKeys.window(settings), pair = ConvolutionWindowKeys.Window.pair
        return try SeparableConvolutionKeys.initialize(
            SeparableConv2D(filters: try settings[\.filters], kernelSize: pair(window.kernel), strides: pair(window.strides),
                            padding: window.padding, depthMultiplier: try settings[\.depthMultiplier], dilationRate: pair(window.dilation),
                            activation: try settings[\.activation], useBias: try settings[\.useBias], name: settings.name), from: settings)
    }
}
