import NeuralNet

/// Keras `BatchNormalization` over one axis (Keras 2 writes it as a one-item list). Batch renormalisation,
/// virtual batches and an `adjustment` are refused; `synchronized` and `fused` change nothing on one machine.
enum BatchNormalizationCodec: LayerCodec {
    static let classNames = ["BatchNormalization"]

    static func layer(className: String, config: LayerConfigReader) throws -> BatchNormalization {
        if try config.bool("renorm", default: false) { throw config.unsupported("renorm") }
        for key in ["virtual_batch_size", "adjustment"] where !(config.config[key]?.isNull ?? true) {
            throw config.unsupported(key)
        }
        let axis: Int
        switch config.config["axis"] {
        case nil: axis = -1
        case .array(let items)? where items.count == 1 && items[0].intValue != nil: axis = items[0].intValue!
        case let item? where item.intValue != nil: axis = item.intValue!
        case let item?: throw config.invalid("axis", "must be one axis, found \(item.pythonJSON)")
        }
        let layer = BatchNormalization(axis: axis, momentum: try config.double("momentum", default: 0.99),
                                       epsilon: try config.double("epsilon", default: 1e-3), center: try config.bool("center", default: true),
                                       scale: try config.bool("scale", default: true), name: config.layer)
        layer.gammaInitializer = config.initializer("gamma_initializer") ?? layer.gammaInitializer
        layer.betaInitializer = config.initializer("beta_initializer") ?? layer.betaInitializer
        layer.movingMeanInitializer = config.initializer("moving_mean_initializer") ?? layer.movingMeanInitializer
        layer.movingVarianceInitializer = config.initializer("moving_variance_initializer") ?? layer.movingVarianceInitializer
        return layer
    }

    static func config(of layer: BatchNormalization, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("axis", .int(layer.axis)), ("momentum", .double(layer.momentum)), ("epsilon", .double(layer.epsilon)),
         ("center", .bool(layer.center)), ("scale", .bool(layer.scale)), ("beta_initializer", InitializerConfig.json(layer.betaInitializer)),
         ("gamma_initializer", InitializerConfig.json(layer.gammaInitializer)),
         ("moving_mean_initializer", InitializerConfig.json(layer.movingMeanInitializer)),
         ("moving_variance_initializer", InitializerConfig.json(layer.movingVarianceInitializer)), ("beta_regularizer", .null), ("gamma_regularizer", .null),
         ("beta_constraint", .null), ("gamma_constraint", .null), ("synchronized", .bool(false))]
    }
}
