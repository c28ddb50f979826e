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

extension KerasFlavour {
    /// The name this flavour's Keras gives `activation`, or nil when it has no such function: tf-keras calls
    /// silu `swish`, and lacks relu6, leaky_relu, hard_silu and log_softmax as activation names; its
    /// `hard_sigmoid` is another function (clip(0.2 x + 0.5, 0, 1)), which Keras 3 lacks.
    public func name(of activation: Activation) -> String? {
        guard self == .keras2 else { return activation == .hardSigmoidKeras2 ? nil : activation.rawValue }
        switch activation {
        case .silu: return "swish"
        case .hardSigmoidKeras2: return "hard_sigmoid"
        case .relu6, .leakyReLU, .hardSiLU, .logSoftmax, .hardSigmoid: return nil
        default: return activation.rawValue
        }
    }
}

/// Writes model and optimizer configs the way Keras serialises them.
///
/// Layer configs carry the keys Keras 2.15 and 3.x both accept, dtypes as the string `"float32"` (not
/// Keras 3.4+'s DTypePolicy objects, which older Keras 3 releases and Keras 2 reject).
public enum ConfigWriter {
    /// The `config` object of one layer, as Keras's `get_config` gives it. `batchInputShape` is added for the
    /// first layer of a Keras 2 model, as tf-keras does.
    static func layerConfig(_ layer: Layer, flavour: KerasFlavour, batchInputShape: Model.Input? = nil) -> JSONObject {
        var config = JSONObject([("name", .string(layer.name))] + (LayerCodecs.takesTrainable(layer) ? [("trainable", .bool(true))] : [])
                                + [("dtype", .string("float32"))])
        if let batchInputShape { config["batch_input_shape"] = .batchShape(batchInputShape) }
        config.members += JSONObject(LayerCodecs.config(of: layer, flavour: flavour)).members
        return config
    }

    /// `model_config` of a legacy `.h5`: `{"class_name": "Sequential" or "Functional", "config": {...}}` in the
    /// flavour's shape.
    public static func legacyModelConfig(_ model: Model, flavour: KerasFlavour) -> JSONValue {
        guard model is Sequential else {
            return .object(JSONObject([("class_name", .string("Functional")),
                                       ("config", .object(FunctionalConfigWriter.body(model, flavour: flavour, archive: false)))]))
        }
        var layers: [JSONValue] = []
        var body = JSONObject([("name", .string(model.name))])
        switch flavour {
        case .keras3:
            body["trainable"] = .bool(true)
            body["dtype"] = .string("float32")
            layers.append(.object(JSONObject([("class_name", .string(InputLayerEntry.className)),
                ("config", .object(InputLayerEntry.config(model.inputs[0], flavour: .keras3)))])))
            layers += model.layers.map { .object(JSONObject([("class_name", .string($0.className)), ("config", .object(layerConfig($0, flavour: .keras3)))])) }
            body["layers"] = .array(layers)
            body["build_input_shape"] = .batchShape(model.inputs[0])
        case .keras2:
            layers.append(.object(JSONObject([("class_name", .string(InputLayerEntry.className)),
                ("config", .object(InputLayerEntry.config(model.inputs[0], flavour: .keras2)))])))
            layers += model.layers.enumerated().map { index, layer in
                .object(JSONObject([("class_name", .string(layer.className)),
                                    ("config", .object(layerConfig(layer, flavour: .keras2, batchInputShape: index == 0 ? model.inputs[0] : nil)))]))
            }
            body["layers"] = .array(layers)
        }
        return .object(JSONObject([("class_name", .string("Sequential")), ("config", .object(body))]))
    }

    /// `config.json` of a `.keras` archive, in Keras 3's `serialize_keras_object` form.
    public static func archiveConfig(_ model: Model, optimizer: Optimizer?) -> JSONValue {
        func serialized(module: String, className: String, config: JSONObject, extra: [(String, JSONValue)] = []) -> JSONValue {
            .object(JSONObject([("module", .string(module)), ("class_name", .string(className)), ("config", .object(config)),
                                ("registered_name", .null)] + extra))
        }
        let sequential = model is Sequential
        let body: JSONObject
        if sequential {
            var layers: [JSONValue] = [serialized(module: "keras.layers", className: InputLayerEntry.className,
                                                  config: InputLayerEntry.config(model.inputs[0], flavour: .keras3))]
            for layer in model.layers {
                let build: [(String, JSONValue)] = layer.weights.isEmpty ? [] : [("build_config", .object(JSONObject([("input_shape", .batchShape(layer.inputShapes[0]))])))]
                layers.append(serialized(module: "keras.layers", className: layer.className, config: layerConfig(layer, flavour: .keras3), extra: build))
            }
            body = JSONObject([("name", .string(model.name)), ("trainable", .bool(true)), ("dtype", .string("float32")),
                               ("layers", .array(layers)), ("build_input_shape", .batchShape(model.inputs[0]))])
        } else {
            body = FunctionalConfigWriter.body(model, flavour: .keras3, archive: true)
        }
        var compile = JSONObject()
        if let optimizer {
            compile["optimizer"] = serialized(module: "keras.optimizers", className: optimizer.className,
                                              config: optimizerConfig(optimizer, flavour: .keras3))
        }
        compile.members += trainingSettings(model, form: .archive).members
        return serialized(module: sequential ? "keras" : "keras.src.models.functional", className: sequential ? "Sequential" : "Functional",
                          config: body, extra: [
            // Keras 3 records no input shape for a model of several inputs.
            ("build_config", .object(JSONObject([("input_shape", model.inputs.count == 1 ? .batchShape(model.inputs[0]) : .null)]))),
            ("compile_config", .object(compile)),
        ])
    }

    /// `training_config` of a legacy `.h5`: the model's loss, metrics and the optimizer's config.
    public static func legacyTrainingConfig(_ model: Model, optimizer: Optimizer?, flavour: KerasFlavour) -> JSONValue {
        var config = trainingSettings(model, form: .legacy(flavour))
        if let optimizer {
            config["optimizer_config"] = .object(JSONObject([
                ("class_name", .string(optimizer.className)), ("config", .object(optimizerConfig(optimizer, flavour: flavour))),
            ]))
        }
        return .object(config)
    }

    /// The loss, its weights and the metrics, as `form` lists them.
    private static func trainingSettings(_ model: Model, form: MetricConfig.Form) -> JSONObject {
        let (loss, weights) = LossConfig.json(model, flavour: form.flavour)
        let (metrics, weighted) = MetricConfig.json(model, form: form)
        return JSONObject([("loss", loss), ("loss_weights", weights), ("metrics", metrics), ("weighted_metrics", weighted)])
    }

    /// The optimizer's Keras config with only the keys every Keras 3 release (or Keras 2.15) accepts.
    public static func optimizerConfig(_ optimizer: Optimizer, flavour: KerasFlavour) -> JSONObject {
        var config = JSONObject([
            ("name", .string(optimizer.className)),
            ("learning_rate", optimizer.learningRateSchedule.map { ScheduleConfig.json($0, flavour: flavour) } ?? .double(Double(optimizer.learningRate))),
            ("weight_decay", .null), ("clipnorm", .null), ("global_clipnorm", .null), ("clipvalue", .null),
            ("use_ema", .bool(false)), ("ema_momentum", .double(0.99)), ("ema_overwrite_frequency", .null),
        ])
        if flavour == .keras2 {
            config["jit_compile"] = .bool(false)
            config["is_legacy_optimizer"] = .bool(false)
        }
        for (key, value) in optimizer.hyperparameters {
            // Hyperparameters are Python floats in Keras configs: 0.9, not float32's 0.8999999761581421.
            config[key] = ["nesterov", "amsgrad", "centered"].contains(key) ? .bool(value != 0) : .double(Double(String(Float(value))) ?? value)
        }
        return config
    }
}
