import NeuralNet

/// Keras `SpatialDropout2D` (whose Keras 3 class refuses a `trainable` key).
enum SpatialDropout2DCodec: LayerCodec {
    static let classNames = ["SpatialDropout2D"]
    static let takesTrainable = false
    static let keys: [ConfigKey<SpatialDropout2D>] = [ConfigKey("rate", \.rate, .rate), .channelsLast, .seed]

    static func layer(className: String, settings: LayerSettings<SpatialDropout2D>) throws -> SpatialDropout2D {
        SpatialDropout2D(rate: try settings[\.rate], name: settings.name)
    }
}
