import NeuralNet

/// Which Keras a legacy `.h5` is laid out for.
public enum KerasFlavour: String, Sendable, CaseIterable {
    /// As Keras 3.3.3 (the LeNet-5 notebook) writes it: `batch_shape`, weights named
    /// `sequential/<layer>/kernel`, optimizer state `[iteration, learning_rate, slots...]`. All Keras 3 load it.
    case keras3
    /// As Keras 2.15 (the ConvNet notebook) writes it: `batch_input_shape`, weights named `<layer>/kernel:0`,
    /// optimizer state `[iteration, slots...]`. tf-keras and Keras 3 both load it; Keras 3 skips the optimizer
    /// state (its layout differs).
    case keras2

    /// The version recorded in `keras_version`: the Keras release whose layout the file follows.
    public var versionString: String { self == .keras3 ? "3.3.3" : "2.15.0" }
}

/// Writes model and optimizer configs the way Keras serialises them.
///
/// Layer configs carry the keys Keras 2.15 and 3.x both accept, dtypes as the string `"float32"` (not
/// Keras 3.4+'s DTypePolicy objects, which older Keras 3 releases and Keras 2 reject).
public enum ConfigWriter {
    static func initializer(_ name: String, _ config: JSONObject = JSONObject()) -> JSONValue {
        .object(JSONObject([("module", .string("keras.initializers")), ("class_name", .string(name)),
                            ("config", .object(config)), ("registered_name", .null)]))
    }

    static func pair(_ a: Int, _ b: Int) -> JSONValue { .array([.int(a), .int(b)]) }

    static func shape(_ dims: [Int]) -> JSONValue { .array([.null] + dims.map(JSONValue.int)) }

    /// The `config` object of one layer, as Keras's `get_config` gives it. `batchInputShape` is added for the
    /// first layer of a Keras 2 model, as tf-keras does.
    static func layerConfig(_ layer: Layer, batchInputShape: [Int]? = nil) -> JSONObject {
        var config = JSONObject([("name", .string(layer.name)), ("trainable", .bool(true)), ("dtype", .string("float32"))])
        if let batchInputShape { config["batch_input_shape"] = shape(batchInputShape) }
        let regularizersAndConstraints = { (conv: Bool) -> [(String, JSONValue)] in
            [("kernel_regularizer", .null), ("bias_regularizer", .null)] + (conv ? [("activity_regularizer", .null)] : [])
                + [("kernel_constraint", .null), ("bias_constraint", .null)]
        }
        let initializers: [(String, JSONValue)] = [
            ("kernel_initializer", initializer("GlorotUniform", JSONObject([("seed", .null)]))),
            ("bias_initializer", initializer("Zeros")),
        ]
        switch layer {
        case let dense as Dense:
            config.members += JSONObject([("units", .int(dense.units)), ("activation", .string(dense.activation.rawValue)),
                                          ("use_bias", .bool(dense.useBias))] + initializers + regularizersAndConstraints(false)).members
        case let conv as Conv2D:
            config.members += JSONObject([
                ("filters", .int(conv.filters)), ("kernel_size", pair(conv.kernelSize.height, conv.kernelSize.width)),
                ("strides", pair(conv.strides.height, conv.strides.width)), ("padding", .string(conv.padding.rawValue)),
                ("data_format", .string("channels_last")), ("dilation_rate", pair(1, 1)), ("groups", .int(1)),
                ("activation", .string(conv.activation.rawValue)), ("use_bias", .bool(conv.useBias)),
            ] + initializers + regularizersAndConstraints(true)).members
        case let pool as Pooling2D:
            config.members += JSONObject([
                ("pool_size", pair(pool.poolSize.height, pool.poolSize.width)), ("padding", .string(pool.padding.rawValue)),
                ("strides", pair(pool.strides.height, pool.strides.width)), ("data_format", .string("channels_last")),
            ]).members
        case let padding as ZeroPadding2D:
            config["padding"] = .array([pair(padding.padding.top, padding.padding.bottom), pair(padding.padding.left, padding.padding.right)])
            config["data_format"] = .string("channels_last")
        case is Flatten:
            config["data_format"] = .string("channels_last")
        case let dropout as Dropout:
            config.members += JSONObject([("rate", .double(Double(dropout.rate))), ("noise_shape", .null), ("seed", .null)]).members
        default:
            break
        }
        return config
    }

    /// `model_config` of a legacy `.h5`: `{"class_name": "Sequential", "config": {...}}` in the flavour's shape.
    public static func legacyModelConfig(_ model: Sequential, flavour: KerasFlavour) -> JSONValue {
        let first = model.layers.first?.name ?? "input"
        var layers: [JSONValue] = []
        var body = JSONObject([("name", .string(model.name))])
        switch flavour {
        case .keras3:
            body["trainable"] = .bool(true)
            body["dtype"] = .string("float32")
            layers.append(.object(JSONObject([("class_name", .string("InputLayer")), ("config", .object(JSONObject([
                ("batch_shape", shape(model.inputShape)), ("dtype", .string("float32")), ("sparse", .bool(false)),
                ("name", .string("input_layer")),
            ])))])))
            layers += model.layers.map { .object(JSONObject([("class_name", .string($0.className)), ("config", .object(layerConfig($0)))])) }
            body["layers"] = .array(layers)
            body["build_input_shape"] = shape(model.inputShape)
        case .keras2:
            layers.append(.object(JSONObject([("class_name", .string("InputLayer")), ("config", .object(JSONObject([
                ("batch_input_shape", shape(model.inputShape)), ("dtype", .string("float32")), ("sparse", .bool(false)),
                ("ragged", .bool(false)), ("name", .string(first + "_input")),
            ])))])))
            layers += model.layers.enumerated().map { index, layer in
                .object(JSONObject([("class_name", .string(layer.className)),
                                    ("config", .object(layerConfig(layer, batchInputShape: index == 0 ? model.inputShape : nil)))]))
            }
            body["layers"] = .array(layers)
        }
        return .object(JSONObject([("class_name", .string("Sequential")), ("config", .object(body))]))
    }

    /// `config.json` of a `.keras` archive, in Keras 3's `serialize_keras_object` form.
    public static func archiveConfig(_ model: Sequential, optimizer: Optimizer?) -> JSONValue {
        func serialized(module: String, className: String, config: JSONObject, extra: [(String, JSONValue)] = []) -> JSONValue {
            .object(JSONObject([("module", .string(module)), ("class_name", .string(className)), ("config", .object(config)),
                                ("registered_name", .null)] + extra))
        }
        var layers: [JSONValue] = [serialized(module: "keras.layers", className: "InputLayer", config: JSONObject([
            ("batch_shape", shape(model.inputShape)), ("dtype", .string("float32")), ("sparse", .bool(false)),
            ("name", .string("input_layer")),
        ]))]
        for layer in model.layers {
            let build: [(String, JSONValue)] = layer.parameters.isEmpty ? [] : [("build_config", .object(JSONObject([("input_shape", shape(layer.inputShape))])))]
            layers.append(serialized(module: "keras.layers", className: layer.className, config: layerConfig(layer), extra: build))
        }
        let body = JSONObject([("name", .string(model.name)), ("trainable", .bool(true)), ("dtype", .string("float32")),
                               ("layers", .array(layers)), ("build_input_shape", shape(model.inputShape))])
        var compile = JSONObject()
        if let optimizer {
            compile["optimizer"] = serialized(module: "keras.optimizers", className: optimizer.className,
                                              config: optimizerConfig(optimizer, flavour: .keras3))
        }
        compile.members += trainingSettings(flavour: .keras3).members
        return serialized(module: "keras", className: "Sequential", config: body, extra: [
            ("build_config", .object(JSONObject([("input_shape", shape(model.inputShape))]))),
            ("compile_config", .object(compile)),
        ])
    }

    /// `training_config` of a legacy `.h5`: loss, metrics and the optimizer's config.
    public static func legacyTrainingConfig(optimizer: Optimizer?, flavour: KerasFlavour) -> JSONValue {
        var config = trainingSettings(flavour: flavour)
        if let optimizer {
            config["optimizer_config"] = .object(JSONObject([
                ("class_name", .string(optimizer.className)), ("config", .object(optimizerConfig(optimizer, flavour: flavour))),
            ]))
        }
        return .object(config)
    }

    private static func trainingSettings(flavour: KerasFlavour) -> JSONObject {
        JSONObject([("loss", .string("sparse_categorical_crossentropy")), ("loss_weights", .null),
                    ("metrics", .array([.string("accuracy")])), ("weighted_metrics", .null)])
    }

    /// The optimizer's Keras config with only the keys every Keras 3 release (or Keras 2.15) accepts.
    public static func optimizerConfig(_ optimizer: Optimizer, flavour: KerasFlavour) -> JSONObject {
        var config = JSONObject([
            ("name", .string(optimizer.className)), ("learning_rate", .double(Double(optimizer.learningRate))),
            ("weight_decay", .null), ("clipnorm", .null), ("global_clipnorm", .null), ("clipvalue", .null),
            ("use_ema", .bool(false)), ("ema_momentum", .double(0.99)), ("ema_overwrite_frequency", .null),
        ])
        if flavour == .keras2 {
            config["jit_compile"] = .bool(false)
            config["is_legacy_optimizer"] = .bool(false)
        }
        for (key, value) in optimizer.hyperparameters {
            // Hyperparameters are Python floats in Keras configs: 0.9, not float32's 0.8999999761581421.
            config[key] = key == "nesterov" ? .bool(value != 0) : .double(Double(String(Float(value))) ?? value)
        }
        if optimizer is Adam { config["amsgrad"] = .bool(false) }
        return config
    }
}
