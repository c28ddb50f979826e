import NeuralNet

/// Keras `Dense`.
enum DenseCodec: LayerCodec {
    static let classNames = ["Dense"]

    static func layer(className: String, config: LayerConfigReader) throws -> Dense {
        Dense(units: try config.positiveInt("units"), activation: try config.activation(),
              useBias: try config.bool("use_bias", default: true), name: config.layer)
    }

    static func config(of dense: Dense, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("units", .int(dense.units)), ("activation", .activation(dense.activation, flavour)), ("use_bias", .bool(dense.useBias))]
            + JSONValue.defaultInitializers + JSONValue.noRegularizers(activity: false)
    }
}
