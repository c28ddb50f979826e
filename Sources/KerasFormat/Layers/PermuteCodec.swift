import NeuralNet

/// Keras `Permute`.
enum PermuteCodec: LayerCodec {
    static let classNames = ["Permute"]

    static func layer(className: String, config: LayerConfigReader) throws -> Permute {
        Permute(try config.intList("dims"), name: config.layer)
    }

    static func config(of layer: Permute, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("dims", .array(layer.dims.map(JSONValue.int)))]
    }
}
