import NeuralNet

/// Keras `SimpleRNN`.
enum SimpleRNNCodec: LayerCodec {
    static let classNames = ["SimpleRNN"]
    static let keys: [ConfigKey<SimpleRNN>] = RecurrentKeys.keys()

    static func layer(className: String, settings: LayerSettings<SimpleRNN>) throws -> SimpleRNN {
        try RecurrentKeys.configure(SimpleRNN(units: try settings[\.units], activation: try settings[\.activation],
                                              useBias: try settings[\.useBias], returnSequences: try settings[\.returnSequences],
                                              goBackwards: try settings[\.goBackwards], name: settings.name), from: settings)
    }

    static func weightGroups(of layer: SimpleRNN, flavour: KerasFlavour) -> [WeightGroup] {
        RecurrentKeys.weightGroups(of: layer, cellName: "simple_rnn_cell")
    }
}
