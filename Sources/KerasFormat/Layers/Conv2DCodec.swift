import NeuralNet

/// Keras `Conv2D` (channels_last).
enum Conv2DCodec: LayerCodec {
    static let classNames = ["Conv2D"]
    static let keys: [ConfigKey<Conv2D>] = ConvolutionKeys.keys(rank: 2, padding: [.valid, .same])

    static func layer(className: String, settings: LayerSettings<Conv2D>) throws -> Conv2D {
        let kernel = try settings[\.kernelSize], strides = try settings[\.strides], dilation = try settings[\.dilationRate]
        return try ConvolutionKeys.initialize(Conv2D(filters: try settings[\.filters], kernelSize: (kernel[0], kernel[1]), strides: (strides[0], strides[1]),
                                                     padding: try settings[\.padding], dilationRate: (dilation[0], dilation[1]),
                                                     groups: try settings[\.groups], activation: try settings[\.activation],
                                                     useBias: try settings[\.useBias], name: settings.name), from: settings)
    }
}
