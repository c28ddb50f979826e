import NeuralNet

/// Keras `SeparableConv2D` (channels_last).
enum SeparableConv2DCodec: LayerCodec {
    static let classNames = ["SeparableConv2D"]
    static let keys: [ConfigKey<SeparableConv2D>] = SeparableConvolutionKeys.keys(rank: 2)

    static func layer(className: String, settings: LayerSettings<SeparableConv2D>) throws -> SeparableConv2D {
        let kernel = try settings[\.kernelSize], strides = try settings[\.strides], dilation = try settings[\.dilationRate]
        return try SeparableConvolutionKeys.initialize(
            SeparableConv2D(filters: try settings[\.filters], kernelSize: (kernel[0], kernel[1]), strides: (strides[0], strides[1]),
                            padding: try settings[\.padding], depthMultiplier: try settings[\.depthMultiplier],
                            dilationRate: (dilation[0], dilation[1]), activation: try settings[\.activation],
                            useBias: try settings[\.useBias], name: settings.name), from: settings)
    }
}
