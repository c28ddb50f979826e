import NeuralNet

/// Keras `Softmax` (one axis; a list of axes is refused).
enum SoftmaxCodec: LayerCodec {
    static let classNames = ["Softmax"]

    static func layer(className: String, config: LayerConfigReader) throws -> Softmax {
        if config.config["axis"]?.arrayValue != nil { throw config.unsupported("axis as a list (one axis only)") }
        return Softmax(axis: try config.int("axis", default: -1), name: config.layer)
    }

    static func config(of layer: Softmax, flavour: KerasFlavour) -> [(String, JSONValue)] { [("axis", .int(layer.axis))] }
}
