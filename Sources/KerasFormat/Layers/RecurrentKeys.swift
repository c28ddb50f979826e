import NeuralNet

/// The config keys Keras's SimpleRNN, LSTM and GRU share, around each class's own (`cellKeys`, after the
/// initializers, and `lastKeys`), in the order `get_config` lists them. Keras 3 writes `zero_output_for_mask`
/// (Keras 2 only when true) and Keras 2 `time_major`, which Keras 3 refuses.
enum RecurrentKeys {
    static func keys<Layer: RecurrentLayer>(recurrentActivation: [ConfigKey<Layer>] = [], cellKeys: [ConfigKey<Layer>] = [],
                                            lastKeys: [ConfigKey<Layer>] = []) -> [ConfigKey<Layer>] {
        [
            ConfigKey("return_sequences", \.returnSequences, .bool, default: false),
            ConfigKey("return_state", \.returnState, .bool, default: false),
            ConfigKey("go_backwards", \.goBackwards, .bool, default: false),
            .fixed("stateful", .bool(false), otherwise: .refusal),
            .fixed("unroll", .bool(false), otherwise: .ignored),
            ConfigKey("zero_output_for_mask", \.zeroOutputForMask, .bool, default: false, writtenIn: { value, flavour in flavour == .keras3 || value }),
            .fixed("time_major", .bool(false), otherwise: .refusal, onlyIn: .keras2),
            ConfigKey("units", \.units, .positive), ConfigKey("activation", \.activation, .activation, default: .tanh),
        ] + recurrentActivation + [
            ConfigKey("use_bias", \.useBias, .bool, default: true),
            ConfigKey("kernel_initializer", \.kernelInitializer, .initializer, default: .glorotUniform),
            ConfigKey("recurrent_initializer", \.recurrentInitializer, .initializer, default: .orthogonal(gain: 1)),
            ConfigKey("bias_initializer", \.biasInitializer, .initializer, default: .zeros),
        ] + cellKeys + ConfigKey.notApplied("kernel_regularizer", "recurrent_regularizer", "bias_regularizer", "activity_regularizer",
                                            "kernel_constraint", "recurrent_constraint", "bias_constraint") + [
            ConfigKey("dropout", \.dropout, .rate, default: 0), ConfigKey("recurrent_dropout", \.recurrentDropout, .rate, default: 0),
        ] + lastKeys
    }

    /// LSTM's and GRU's `recurrent_activation`.
    static func recurrentActivation<Layer: RecurrentLayer>(_ keyPath: KeyPath<Layer, Activation>) -> [ConfigKey<Layer>] {
        [ConfigKey("recurrent_activation", keyPath, .activation, default: .sigmoid)]
    }

    /// LSTM's and GRU's Keras 2 `implementation` (which changes how Keras computes, not what) and Keras 3
    /// `seed` (for dropout masks).
    static func implementationAndSeed<Layer: RecurrentLayer>() -> [ConfigKey<Layer>] {
        [.fixed("implementation", .int(2), otherwise: .ignored, onlyIn: .keras2), .fixed("seed", .null, otherwise: .ignored, onlyIn: .keras3)]
    }

    /// Sets the options the keys hold besides the constructor's on `layer`.
    static func configure<Layer: RecurrentLayer>(_ layer: Layer, from settings: LayerSettings<Layer>) throws -> Layer {
        layer.kernelInitializer = try settings[\.kernelInitializer]
        layer.recurrentInitializer = try settings[\.recurrentInitializer]
        layer.biasInitializer = try settings[\.biasInitializer]
        layer.dropout = try settings[\.dropout]
        layer.recurrentDropout = try settings[\.recurrentDropout]
        layer.zeroOutputForMask = try settings[\.zeroOutputForMask]
        layer.returnState = try settings[\.returnState]
        return layer
    }

    /// Keras keeps the weights in the layer's `cell`: at `cell/vars` in Keras 3 files and as `<cell>/kernel`
    /// in a legacy `.h5` (`lstm_cell/kernel`).
    static func weightGroups(of layer: RecurrentLayer, cellName: String) -> [WeightGroup] {
        [WeightGroup(path: "cell", parameters: layer.weights, legacyNames: layer.weights.map { cellName + "/" + $0.name })]
    }
}
