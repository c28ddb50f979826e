import NeuralNet

/// Keras `PReLU` (alphas shared along `shared_axes`; regularisers and constraints are ignored with a notice).
enum PReLUCodec: LayerCodec {
    static let classNames = ["PReLU"]

    static func layer(className: String, config: LayerConfigReader) throws -> PReLU {
        let shared: [Int]
        switch config.config["shared_axes"] {
        case nil, .null?: shared = []
        case .int(let axis)?: shared = [axis]
        default: shared = try config.intList("shared_axes")
        }
        let layer = PReLU(sharedAxes: shared, name: config.layer)
        layer.alphaInitializer = config.initializer("alpha_initializer") ?? layer.alphaInitializer
        return layer
    }

    static func config(of layer: PReLU, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("alpha_initializer", InitializerConfig.json(layer.alphaInitializer)), ("alpha_regularizer", .null), ("alpha_constraint", .null),
         ("shared_axes", layer.sharedAxes.isEmpty ? .null : .array(layer.sharedAxes.map(JSONValue.int)))]
    }
}
