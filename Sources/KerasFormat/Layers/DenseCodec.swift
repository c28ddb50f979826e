import NeuralNet

/// Keras `Dense`.
enum DenseCodec: LayerCodec {
    static let classNames = ["Dense"]

    static func layer(className: String, config: LayerConfigReader) throws -> Dense {
        let dense = Dense(units: try config.positiveInt("units"), activation: try config.activation(),
                          useBias: try config.bool("use_bias", default: true), name: config.layer)
        dense.kernelInitializer = config.initializer("kernel_initializer") ?? dense.kernelInitializer
        dense.biasInitializer = config.initializer("bias_initializer") ?? dense.biasInitializer
        return dense
    }

    static func config(of dense: Dense, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("units", .int(dense.units)), ("activation", .activation(dense.activation, flavour)), ("use_bias", .bool(dense.useBias))]
            + InitializerConfig.entries(kernel: dense.kernelInitializer, bias: dense.biasInitializer) + JSONValue.noRegularizers(activity: false)
    }
}
