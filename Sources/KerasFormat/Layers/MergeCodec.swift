import NeuralNet

/// Keras `Add`, `Subtract`, `Multiply`, `Average`, `Maximum` and `Minimum`.
enum MergeCodec: LayerCodec {
    static let classNames = Merge.Kind.allCases.map(\.rawValue)
    static let keys: [ConfigKey<Merge>] = []

    static func layer(className: String, settings: LayerSettings<Merge>) throws -> Merge {
        guard let kind = Merge.Kind(rawValue: className) else { throw settings.reader.unsupported("class \(className)") }
        return Merge(kind, name: settings.name)
    }
}
