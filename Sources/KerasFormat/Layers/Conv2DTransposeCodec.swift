import NeuralNet

/// Keras `Conv2DTranspose` (channels_last).
enum Conv2DTransposeCodec: LayerCodec {
    static let classNames = ["Conv2DTranspose"]
    static let keys: [ConfigKey<Conv2DTranspose>] = ConvolutionTransposeKeys.keys(rank: 2)

    static func layer(className: String, settings: LayerSettings<Conv2DTranspose>) throws -> Conv2DTranspose {
        let kernel = try settings[\.kernelSize], strides = try settings[\.strides], dilation = try settings[\.dilationRate]
        return try ConvolutionTransposeKeys.initialize(
            Conv2DTranspose(filters: try settings[\.filters], kernelSize: (kernel[0], kernel[1]), strides: (strides[0], strides[1]),
                            padding: try settings[\.padding], outputPadding: try settings[\.outputPadding].map { ($0[0], $0[1]) },
                            dilationRate: (dilation[0], dilation[1]), activation: try settings[\.activation],
                            useBias: try settings[\.useBias], name: settings.name), from: settings)
    }
}
