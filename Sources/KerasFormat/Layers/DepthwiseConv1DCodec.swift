import NeuralNet

/// Keras `DepthwiseConv1D` (channels_last).
enum DepthwiseConv1DCodec: LayerCodec {
    static let classNames = ["DepthwiseConv1D"]
    static let keys: [ConfigKey<DepthwiseConv1D>] = DepthwiseConvolutionKeys.keys(rank: 1)

    static func layer(className: String, settings: LayerSettings<DepthwiseConv1D>) throws -> DepthwiseConv1D {
        let window = try ConvolutionWindowKeys.window(settings)
        return try DepthwiseConvolutionKeys.initialize(
            DepthwiseConv1D(kernelSize: window.kernel[0], strides: window.strides[0], padding: window.padding,
                            depthMultiplier: try settings[\.depthMultiplier], dilationRate: window.dilation[0],
                            activation: try settings[\.activation], useBias: try settings[\.useBias], name: settings.name), from: settings)
    }

    static func weightName(_ parameter: Parameter, flavour: KerasFlavour) -> String {
        DepthwiseConvolutionKeys.weightName(parameter, flavour: flavour)
    }
}
