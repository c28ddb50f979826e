import NeuralNet

/// Keras `RepeatVector`.
enum RepeatVectorCodec: LayerCodec {
    static let classNames = ["RepeatVector"]
    static let keys: [ConfigKey<RepeatVector>] = [ConfigKey("n", \.n, .positive)]

    static func layer(className: String, settings: LayerSettings<RepeatVector>) throws -> RepeatVector {
        RepeatVector(try settings[\.n], name: settings.name)
    }
}
