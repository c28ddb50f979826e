import NeuralNet

/// Keras `Concatenate`.
enum ConcatenateCodec: LayerCodec {
    static let classNames = ["Concatenate"]

    static func layer(className: String, config: LayerConfigReader) throws -> Concatenate {
        Concatenate(axis: try config.int("axis", default: -1), name: config.layer)
    }

    static func config(of layer: Concatenate, flavour: KerasFlavour) -> [(String, JSONValue)] { [("axis", .int(layer.axis))] }
}
