import NeuralNet

/// Keras `SeparableConv1D` (channels_last).
enum SeparableConv1DCodec: LayerCodec {
    static let classNames = ["SeparableConv1D"]
    static let keys: [ConfigKey<SeparableConv1D>] = SeparableConvolutionKeys.keys(rank: 1)

    static func layer(className: String, settings: LayerSettings<SeparableConv1D>) throws -> SeparableConv1D {
        let window = try ConvolutionWindowKeys.window(settings)
        return try SeparableConvolutionKeys.initialize(
            SeparableConv1D(filters: try settings[\.filters], kernelSize: window.kernel[0], strides: window.strides[0], padding: window.padding,
                            depthMultiplier: try settings[\.depthMultiplier], dilationRate: window.dilation[0],
                            activation: try settings[\.activation], useBias: try settings[\.useBias], name: settings.name), from: settings)
    }
}
