import NeuralNet

/// Keras `LSTM`.
enum LSTMCodec: LayerCodec {
    static let classNames = ["LSTM"]
    static let keys: [ConfigKey<LSTM>] = RecurrentKeys.keys(
        recurrentActivation: RecurrentKeys.recurrentActivation(\.recurrentActivation),
        cellKeys: [ConfigKey("unit_forget_bias", \.unitForgetBias, .bool, default: true)],
        lastKeys: RecurrentKeys.implementationAndSeed())

    static func layer(className: String, settings: LayerSettings<LSTM>) throws -> LSTM {
        try RecurrentKeys.configure(LSTM(units: try settings[\.units], activation: try settings[\.activation],
                                         recurrentActivation: try settings[\.recurrentActivation], useBias: try settings[\.useBias],
                                         unitForgetBias: try settings[\.unitForgetBias], returnSequences: try settings[\.returnSequences],
                                         goBackwards: try settings[\.goBackwards], name: settings.name), from: settings)
    }

    static func weightGroups(of layer: LSTM, flavour: KerasFlavour) -> [WeightGroup] {
        RecurrentKeys.weightGroups(of: layer, cellName: "lstm_cell")
    }
}
