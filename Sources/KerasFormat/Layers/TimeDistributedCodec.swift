import NeuralNet

/// Keras `TimeDistributed`: the wrapped layer's config nested under `layer`, its weights under the saveable
/// path `layer` (Keras 3 names them `<wrapped layer>/kernel` in a legacy `.h5`, Keras 2 plain `kernel`).
enum TimeDistributedCodec: LayerCodec {
    static let classNames = ["TimeDistributed"]
    static let keys: [ConfigKey<TimeDistributed>] = [ConfigKey(wrapped: "layer", \.layer)]

    static func layer(className: String, settings: LayerSettings<TimeDistributed>) throws -> TimeDistributed {
        TimeDistributed(try settings[\.layer], name: settings.name)
    }

    static func weightGroups(of layer: TimeDistributed, flavour: KerasFlavour) -> [WeightGroup] {
        LayerCodecs.weightGroups(of: layer.layer, flavour: flavour).map {
            $0.nested(under: "layer", legacyPrefix: flavour == .keras3 ? layer.layer.name + "/" : "")
        }
    }
}
