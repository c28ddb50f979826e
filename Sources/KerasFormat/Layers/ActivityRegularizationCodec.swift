import NeuralNet

/// Keras `ActivityRegularization`.
enum ActivityRegularizationCodec: LayerCodec {
    static let classNames = ["ActivityRegularization"]

    static func layer(className: String, config: LayerConfigReader) throws -> ActivityRegularization {
        ActivityRegularization(l1: Float(try config.double("l1", default: 0)), l2: Float(try config.double("l2", default: 0)),
                               name: config.layer)
    }

    static func config(of layer: ActivityRegularization, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("l1", .float(layer.l1)), ("l2", .float(layer.l2))]
    }
}
