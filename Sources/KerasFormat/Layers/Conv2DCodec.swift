import NeuralNet

/// Keras `Conv2D` (channels_last; dilation and groups of 1).
enum Conv2DCodec: LayerCodec {
    static let classNames = ["Conv2D"]

    static func layer(className: String, config: LayerConfigReader) throws -> Conv2D {
        guard try config.pair("dilation_rate", default: (1, 1)) == (1, 1) else { throw config.unsupported("dilation_rate other than 1") }
        guard try config.int("groups", default: 1) == 1 else { throw config.unsupported("groups other than 1") }
        let conv = Conv2D(filters: try config.positiveInt("filters"), kernelSize: try config.pair("kernel_size"),
                          strides: try config.pair("strides", default: (1, 1)), padding: try config.padding(),
                          activation: try config.activation(), useBias: try config.bool("use_bias", default: true), name: config.layer)
        conv.kernelInitializer = config.initializer("kernel_initializer") ?? conv.kernelInitializer
        conv.biasInitializer = config.initializer("bias_initializer") ?? conv.biasInitializer
        return conv
    }

    static func config(of conv: Conv2D, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("filters", .int(conv.filters)), ("kernel_size", .pair(conv.kernelSize.height, conv.kernelSize.width)),
         ("strides", .pair(conv.strides.height, conv.strides.width)), ("padding", .string(conv.padding.rawValue)),
         ("data_format", .string("channels_last")), ("dilation_rate", .pair(1, 1)), ("groups", .int(1)),
         ("activation", .activation(conv.activation, flavour)), ("use_bias", .bool(conv.useBias))]
            + InitializerConfig.entries(kernel: conv.kernelInitializer, bias: conv.biasInitializer) + JSONValue.noRegularizers(activity: true)
    }
}
