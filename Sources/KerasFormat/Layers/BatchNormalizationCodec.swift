import NeuralNet

/// Keras `BatchNormalization` over one axis (Keras 2 writes it as a one-item list). Batch renormalisation,
/// virtual batches and an `adjustment` are refused; `synchronized` and `fused` change nothing on one machine.
enum BatchNormalizationCodec: LayerCodec {
    static let classNames = ["BatchNormalization"]
    static let keys: [ConfigKey<BatchNormalization>] = [
        ConfigKey("axis", \.axis, .singleAxis, default: -1), ConfigKey("momentum", \.momentum, .double, default: 0.99),
        ConfigKey("epsilon", \.epsilon, .double, default: 1e-3), ConfigKey("center", \.center, .bool, default: true),
        ConfigKey("scale", \.scale, .bool, default: true),
        .fixed("renorm", .bool(false), otherwise: .refusal, written: false),
        .fixed("virtual_batch_size", .null, otherwise: .refusal, written: false), .fixed("adjustment", .null, otherwise: .refusal, written: false),
        ConfigKey("beta_initializer", \.betaInitializer, .initializer, default: .zeros),
        ConfigKey("gamma_initializer", \.gammaInitializer, .initializer, default: .ones),
        ConfigKey("moving_mean_initializer", \.movingMeanInitializer, .initializer, default: .zeros),
        ConfigKey("moving_variance_initializer", \.movingVarianceInitializer, .initializer, default: .ones),
    ] + ConfigKey.notApplied("beta_regularizer", "gamma_regularizer", "beta_constraint", "gamma_constraint")
        + [.fixed("synchronized", .bool(false), otherwise: .ignored)]

    static func layer(className: String, settings: LayerSettings<BatchNormalization>) throws -> BatchNormalization {
        let layer = BatchNormalization(axis: try settings[\.axis], momentum: try settings[\.momentum], epsilon: try settings[\.epsilon],
                                       center: try settings[\.center], scale: try settings[\.scale], name: settings.name)
        layer.gammaInitializer = try settings[\.gammaInitializer]
        layer.betaInitializer = try settings[\.betaInitializer]
        layer.movingMeanInitializer = try settings[\.movingMeanInitializer]
        layer.movingVarianceInitializer = try settings[\.movingVarianceInitializer]
        return layer
    }
}

private extension ValueCoding where Value == Int {
    /// One axis, or a list of one as Keras 2 writes it; written as the integer.
    static var singleAxis: ValueCoding {
        ValueCoding(read: { item, context in
            guard let axes = try ValueCoding<[Int]>.axes.read(item, context), axes.count == 1 else {
                throw context.invalid("must be one axis, found \(item.pythonJSON)")
            }
            return axes[0]
        }, write: int.write)
    }
}
