import NeuralNet

/// Keras `SeparableConv1D` (channels_last).
enum SeparableConv1DCodec: LayerCodec {
    static let classNames = ["SeparableConv1D"]
    static let keys: [ConfigKey<SeparableConv1D>] = SeparableConvolutionKeys.keys(rank: 1)

    static func layer(className: String, settings: LayerSettings<SeparableConv1D>) throws -> SeparableConv1D {
        try SeparableConvolutionKeys.initialize(
            SeparableConv1D(filters: try settings[\.filters], kernelSize: try settings[\.kernelSize][0], strides: try settings[\.strides][0],
                            padding: try settings[\.padding], depthMultiplier: try settings[\.depthMultiplier],
                            dilationRate: try settings[\.dilationRate][0], activation: try settings[\.activation],
                            useBias: try settings[\.useBias], name: settings.name), from: settings)
    }
}
