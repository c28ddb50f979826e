import NeuralNet

/// Keras `Permute`.
enum PermuteCodec: LayerCodec {
    static let classNames = ["Permute"]
    static let keys: [ConfigKey<Permute>] = [ConfigKey("dims", \.dims, .intList)]

    static func layer(className: String, settings: LayerSettings<Permute>) throws -> Permute {
        Permute(try settings[\.dims], name: settings.name)
    }
}
