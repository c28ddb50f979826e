import NeuralNet

/// Keras `ActivityRegularization`.
enum ActivityRegularizationCodec: LayerCodec {
    static let classNames = ["ActivityRegularization"]
    static let keys: [ConfigKey<ActivityRegularization>] = [ConfigKey("l1", \.l1, .float, default: 0), ConfigKey("l2", \.l2, .float, default: 0)]

    static func layer(className: String, settings: LayerSettings<ActivityRegularization>) throws -> ActivityRegularization {
        ActivityRegularization(l1: try settings[\.l1], l2: try settings[\.l2], name: settings.name)
    }
}
