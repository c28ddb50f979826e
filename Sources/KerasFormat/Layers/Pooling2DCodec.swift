import NeuralNet

/// Keras `MaxPooling2D` and `AveragePooling2D`.
enum Pooling2DCodec: LayerCodec {
    static let classNames = ["MaxPooling2D", "AveragePooling2D"]

    static func layer(className: String, config: LayerConfigReader) throws -> Pooling2D {
        let pool = try config.pair("pool_size", default: (2, 2))
        let strides = config.config["strides"].flatMap { $0.isNull ? nil : $0 } == nil ? pool : try config.pair("strides")
        return Pooling2D(className == "MaxPooling2D" ? .max : .average, poolSize: pool, strides: strides,
                         padding: try config.padding(), name: config.layer)
    }

    static func config(of pool: Pooling2D, flavour: KerasFlavour) -> [(String, JSONValue)] {
        [("pool_size", .pair(pool.poolSize.height, pool.poolSize.width)), ("padding", .string(pool.padding.rawValue)),
         ("strides", .pair(pool.strides.height, pool.strides.width)), ("data_format", .string("channels_last"))]
    }
}
