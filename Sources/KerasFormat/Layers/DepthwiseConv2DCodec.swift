import NeuralNet

/// Keras `DepthwiseConv2D` (channels_last).
enum DepthwiseConv2DCodec: LayerCodec {
    static let classNames = ["DepthwiseConv2D"]
    static let keys: [ConfigKey<DepthwiseConv2D>] = DepthwiseConvolutionKeys.keys(rank: 2)

    static func layer(className: String, settings: LayerSettings<DepthwiseConv2D>) throws -> DepthwiseConv2D {
        let kernel = try settings[\.kernelSize], strides = try settings[\.strides], dilation = try settings[\.dilationRate]
        return try DepthwiseConvolutionKeys.initialize(
            DepthwiseConv2D(kernelSize: (kernel[0], kernel[1]), strides: (strides[0], strides[1]), padding: try settings[\.padding],
                            depthMultiplier: try settings[\.depthMultiplier], dilationRate: (dilation[0], dilation[1]),
                            activation: try settings[\.activation], useBias: try settings[\.useBias], name: settings.name), from: settings)
    }

    static func weightName(_ parameter: Parameter, flavour: KerasFlavour) -> String {
        DepthwiseConvolutionKeys.weightName(parameter, flavour: flavour)
    }
}
