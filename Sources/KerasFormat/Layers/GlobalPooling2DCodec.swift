import NeuralNet

/// Keras `GlobalAveragePooling2D` and `GlobalMaxPooling2D`.
enum GlobalPooling2DCodec: LayerCodec {
    static let classNames = ["GlobalAveragePooling2D", "GlobalMaxPooling2D"]
    static let keys: [ConfigKey<GlobalPooling2D>] = [.channelsLast, ConfigKey("keepdims", \.keepDimensions, .bool, default: false)]

    static func layer(className: String, settings: LayerSettings<GlobalPooling2D>) throws -> GlobalPooling2D {
        GlobalPooling2D(className == "GlobalMaxPooling2D" ? .max : .average, keepDimensions: try settings[\.keepDimensions], name: settings.name)
    }
}
