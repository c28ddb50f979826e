import NeuralNet

/// Keras `Add`, `Subtract`, `Multiply`, `Average`, `Maximum` and `Minimum`.
enum MergeCodec: LayerCodec {
    static let classNames = Merge.Kind.allCases.map(\.rawValue)

    static func layer(className: String, config: LayerConfigReader) throws -> Merge {
        guard let kind = Merge.Kind(rawValue: className) else { throw config.unsupported("class \(className)") }
        return Merge(kind, name: config.layer)
    }

    static func config(of layer: Merge, flavour: KerasFlavour) -> [(String, JSONValue)] { [] }
}
