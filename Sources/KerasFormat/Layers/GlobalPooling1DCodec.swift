import NeuralNet

/// Keras `GlobalAveragePooling1D` and `GlobalMaxPooling1D`.
enum GlobalPooling1DCodec: LayerCodec {
    static let classNames = ["GlobalAveragePooling1D", "GlobalMaxPooling1D"]
    static let keys: [ConfigKey<GlobalPooling1D>] = [.channelsLast, ConfigKey("keepdims", \.keepDimensions, .bool, default: false)]

    static func layer(className: String, settings: LayerSettings<GlobalPooling1D>) throws -> GlobalPooling1D {
        GlobalPooling1D(className == "GlobalMaxPooling1D" ? .max : .average, keepDimensions: try settings[\.keepDimensions], name: settings.name)
    }
}
