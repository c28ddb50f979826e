import NeuralNet

/// Keras `GRU` (`reset_after` defaults to true, as in Keras 2.3 and later; Keras 2 writes it after
/// `implementation`).
enum GRUCodec: LayerCodec {
    static let classNames = ["GRU"]
    static let keys: [ConfigKey<GRU>] = RecurrentKeys.keys(
        recurrentActivation: RecurrentKeys.recurrentActivation(\.recurrentActivation),
        lastKeys: [ConfigKey("reset_after", \.resetAfter, .bool, default: true)] + RecurrentKeys.implementationAndSeed())

    static func layer(className: String, settings: LayerSettings<GRU>) throws -> GRU {
        try RecurrentKeys.configure(GRU(units: try settings[\.units], activation: try settings[\.activation],
                                        recurrentActivation: try settings[\.recurrentActivation], useBias: try settings[\.useBias],
                                        resetAfter: try settings[\.resetAfter], returnSequences: try settings[\.returnSequences],
                                        goBackwards: try settings[\.goBackwards], name: settings.name), from: settings)
    }

    static func weightGroups(of layer: GRU, flavour: KerasFlavour) -> [WeightGroup] {
        RecurrentKeys.weightGroups(of: layer, cellName: "gru_cell")
    }
}
