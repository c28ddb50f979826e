import NeuralNet

/// Keras `DepthwiseConv2D` (channels_last).
enum DepthwiseConv2DCodec: LayerCodec {
    static let classNames = ["DepthwiseConv2D"]
    static let keys: [ConfigKey<DepthwiseConv2D>] = DepthwiseConvolutionKeys.keys(rank: 2)

    static func layer(className: String, settings: LayerSettings<DepthwiseConv2D>) throws -> DepthwiseConv2D {
        let window = try ConvolutionWindowKeys.window(settings), pair = ConvolutionWindowKeys.Window.pair
        return try DepthwiseConvolutionKeys.initialize(
            DepthwiseConv2D(kernelSize: pair(window.kernel), strides: pair(window.strides), padding: window.padding,
                            depthMultiplier: try settings[\.depthMultiplier], dilationRate: pair(window.dilation),
                            activation: try settings[\.activation], useBias: try settings[\.useBias], name: settings.name), from: settings)
    }

    static func weightName(_ parameter: Parameter, flavour: KerasFlavour) -> String {
        DepthwiseConvolutionKeys.weightName(parameter, flavour: flavour)
    }
}
