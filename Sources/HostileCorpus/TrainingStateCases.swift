import Architectures
import Foundation
import HDF5
import KerasFormat
import NeuralNet

/// Files whose training state is hostile: optimizer variables and settings, loss settings and the statistics
/// of normalisation layers. Predicting never needs them; whatever trains on them, converts them or scores with
/// them must refuse numbers outside the range Keras gives them meaning, and a setting this project does not
/// apply is refused for training alone.
enum TrainingStateCases {
    typealias Use = HostileCorpus.Use

    /// Refused wherever the optimizer state is used (converting, resuming), accepted elsewhere.
    static func badOptimizer(_ fragment: String) -> [Use: HostileCorpus.Outcome] {
        [.predict: .accepted, .evaluate: .accepted, .convert: .refused(fragment), .resume: .refused(fragment)]
    }

    /// Refused wherever the loss settings are used (evaluating, converting, resuming), accepted for predicting.
    static func badLossSettings(_ fragment: String) -> [Use: HostileCorpus.Outcome] {
        [.predict: .accepted, .evaluate: .refused(fragment), .convert: .refused(fragment), .resume: .refused(fragment)]
    }

    /// A Keras setting this project does not apply: refused for training, dropped with a notice elsewhere.
    static func unappliedSetting(_ fragment: String) -> [Use: HostileCorpus.Outcome] {
        [.predict: .accepted, .evaluate: .accepted, .convert: .accepted, .resume: .refused(fragment)]
    }

    static func write(_ writer: inout HostileCorpus.Writer) throws {
        let model = try Architecture.lenet5.makeModel(seed: 5)

        // Step counts: whatever their stored type, a whole number from 0 to 2^53.
        for (name, value) in [("nan", Double.nan), ("infinite", .infinity), ("1e300", 1e300), ("fraction", 2.5), ("negative", -3)] {
            try writer.add("step-count-\(name).h5", badOptimizer("the step count must be a whole number")) { path in
                try save(model, Adam(parameters: model.parameters), at: path)
                try replaceVariable(in: path, named: "iteration", with: [value])
            }
        }
        try writer.add("step-count-int64-max.h5", badOptimizer("found 9223372036854775807")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try replaceVariable(in: path, named: "iteration", with: [Int64.max])
        }
        try writer.add("step-count-nan-keras2.h5", badOptimizer("the step count")) { path in
            try save(model, SGD(parameters: model.parameters, momentum: 0.9), at: path, flavour: .keras2)
            try replaceVariable(in: path, named: "iteration", with: [Double.nan])
        }
        try writer.add("step-count-nan.keras", badOptimizer("the step count")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try replaceArchiveWeights(path) { try replaceVariable(in: $0, named: "optimizer/vars/0", with: [Double.nan]) }
        }
        // Nadam without its stored momentum product recomputes it: in bounded time for any step count.
        try writer.add("nadam-without-product-2e62-steps.h5", badOptimizer("found 4611686018427387904")) { path in
            try save(model, Nadam(parameters: model.parameters), at: path, flavour: .keras2)
            try replaceVariable(in: path, named: "iteration", with: [Int64(1) << 62])
        }
        try writer.add("nadam-without-product-1e15-steps.h5", [.predict: .accepted, .convert: .accepted, .resume: .accepted]) { path in
            try save(model, Nadam(parameters: model.parameters), at: path, flavour: .keras2)
            try replaceVariable(in: path, named: "iteration", with: [Int64(1e15)])
        }
        try writer.add("nadam-product-5.h5", badOptimizer("the momentum product must be in [0, 1]")) { path in
            try save(model, Nadam(parameters: model.parameters), at: path)
            try replaceVariable(in: path, named: "Nadam/variable", with: [Float(5)])
        }

        // Optimizer settings out of range, each named by its key.
        let settings: [(String, String, Optimizer, String, JSONValue)] = [
            ("learning-rate-nan", "Adam", Adam(parameters: model.parameters), "learning_rate", .double(.nan)),
            ("learning-rate-infinite", "Adam", Adam(parameters: model.parameters), "learning_rate", .double(.infinity)),
            ("learning-rate-1e300", "SGD", SGD(parameters: model.parameters), "learning_rate", .double(1e300)),
            ("learning-rate-negative", "RMSprop", RMSprop(parameters: model.parameters), "learning_rate", .double(-0.1)),
            ("beta-1e300", "Adam", Adam(parameters: model.parameters), "beta_1", .double(1e300)),
            ("beta-one", "Nadam", Nadam(parameters: model.parameters), "beta_2", .double(1)),
            ("epsilon-negative", "Adam", Adam(parameters: model.parameters), "epsilon", .double(-1)),
            ("momentum-nan", "SGD", SGD(parameters: model.parameters, momentum: 0.9), "momentum", .double(.nan)),
            ("rho-two", "RMSprop", RMSprop(parameters: model.parameters), "rho", .double(2)),
            ("weight-decay-infinite", "AdamW", Adam.adamW(parameters: model.parameters), "weight_decay", .double(.infinity)),
            ("beta-text", "Adam", Adam(parameters: model.parameters), "beta_1", .string("0.9")),
        ]
        for (name, className, optimizer, key, value) in settings {
            try writer.add("\(name).h5", badOptimizer("optimizer \(className): \(key) must be")) { path in
                try save(model, optimizer, at: path)
                try editTrainingConfig(path) { $0.setOptimizerSetting(key, value) }
            }
        }
        try writer.add("learning-rate-nan.keras", badOptimizer("compile_config optimizer Adam: learning_rate must be")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editArchiveConfig(path) { $0.setOptimizerSetting("learning_rate", .double(.nan), inCompileConfig: true) }
        }
        // Keras 3 keeps the learning rate as a variable too, read when the config does not give it.
        try writer.add("learning-rate-variable-nan.h5", badOptimizer("the learning rate must be")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editTrainingConfig(path) { $0.removeOptimizerSetting("learning_rate") }
            try replaceVariable(in: path, named: "learning_rate", with: [Float.nan])
        }
        try writer.add("velocity-negative.h5", badOptimizer("the velocity must be finite and 0 or more")) { path in
            let adam = Adam(parameters: model.parameters)
            try save(model, adam, at: path)
            try replaceVariable(in: path, named: "_dense_kernel_velocity", with: [Float](repeating: -1, count: 48_000), shape: [400, 120])
        }
        try writer.add("momentum-slot-nan.h5", badOptimizer("the momentum must be finite")) { path in
            try save(model, SGD(parameters: model.parameters, momentum: 0.9), at: path)
            try replaceVariable(in: path, named: "dense_2_bias_momentum", with: [Float](repeating: .nan, count: 10), shape: [10])
        }

        // Keras settings this project does not apply: the state is not restored, and training refuses them.
        try writer.add("learning-rate-schedule.h5", unappliedSetting("learning-rate schedule PolynomialDecay")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editTrainingConfig(path) {
                $0.setOptimizerSetting("learning_rate", .object(JSONObject([
                    ("module", .string("keras.optimizers.schedules")), ("class_name", .string("PolynomialDecay")),
                    ("config", .object(JSONObject([("initial_learning_rate", .double(0.01)), ("decay_steps", .int(100))])))])))
            }
        }
        try writer.add("clipnorm.h5", unappliedSetting("Adam with clipnorm 1.0")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editTrainingConfig(path) { $0.setOptimizerSetting("clipnorm", .double(1)) }
        }
        try writer.add("unknown-optimizer.h5", unappliedSetting("its optimizer Adagrad is not supported for training")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editTrainingConfig(path) { config in
                config["optimizer_config"] = .object(JSONObject([("class_name", .string("Adagrad")),
                                                                 ("config", .object(JSONObject([("learning_rate", .double(0.01))])))]))
            }
        }

        // Loss settings: weights that are not finite float32, and lists or dicts that do not fit the outputs.
        for (name, weight) in [("nan", JSONValue.double(.nan)), ("infinite", .double(.infinity)), ("1e308", .double(1e308))] {
            try writer.add("loss-weight-\(name).h5", badLossSettings("loss_weights must be finite numbers")) { path in
                try save(model, Adam(parameters: model.parameters), at: path)
                try editTrainingConfig(path) { $0["loss_weights"] = .array([weight]) }
            }
        }
        try writer.add("loss-weights-two-for-one-output.h5", badLossSettings("lists 2 entries for a model with 1 output (dense_2)")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editTrainingConfig(path) { $0["loss_weights"] = .array([.double(1), .double(2)]) }
        }
        try writer.add("loss-weights-scalar.h5", badLossSettings("loss_weights must be a list or a dict")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editTrainingConfig(path) { $0["loss_weights"] = .double(2) }
        }
        try writer.add("loss-dict-stranger.h5", badLossSettings("names \"head\", which is not an output")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editTrainingConfig(path) { $0["loss"] = .object(JSONObject([("head", .string("mse"))])) }
        }
        try writer.add("loss-weights-nan.keras", badLossSettings("compile_config: loss_weights must be finite")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editArchiveConfig(path) { config in
                var compile = config["compile_config"]?.objectValue ?? JSONObject()
                compile["loss_weights"] = .array([.double(.nan)])
                config["compile_config"] = .object(compile)
            }
        }
        try writer.add("unknown-loss.h5", unappliedSetting("its loss dice is not supported for training")) { path in
            try save(model, Adam(parameters: model.parameters), at: path)
            try editTrainingConfig(path) { $0["loss"] = .string("dice") }
        }

        // Statistics no Keras computation produces: a negative variance would turn every output into NaN.
        let normalized = try Sequential(name: "normalized", inputShape: [28, 28, 1], layers: [
            Normalization(axes: [-1], name: "normalization"), BatchNormalization(name: "batch_normalization"),
            Flatten(name: "flatten"), Dense(units: 10, activation: .softmax, name: "dense")], seed: 2)
        let negative = "must be 0 or more; value 0 of 1 is -1.0"
        try writer.add("normalization-variance-negative.h5", "the variance \(negative)") { path in
            try save(normalized, nil, at: path)
            try replaceDataset(in: path, named: "normalization/variance", with: [Float(-1)], shape: [1])
        }
        try writer.add("moving-variance-negative.keras", "the moving_variance \(negative)") { path in
            try save(normalized, nil, at: path)
            try replaceArchiveWeights(path) { try replaceDataset(in: $0, named: "layers/batch_normalization/vars/3", with: [Float(-1)], shape: [1]) }
        }
    }

    // MARK: - Builders

    /// Saves `model` with `optimizer` in the form the extension names, compiled for sparse categorical
    /// cross-entropy as the keras-swift tool trains it.
    static func save(_ model: Model, _ optimizer: Optimizer?, at path: String, flavour: KerasFlavour = .keras3) throws {
        try ModelWriter.save(model, optimizer: optimizer, to: path, flavour: flavour)
    }

    /// Replaces the optimizer variable whose stored name ends in `suffix` with `values` (a scalar unless
    /// `shape` is given), in whatever type they are.
    static func replaceVariable<T: HDF5Scalar>(in path: String, named suffix: String, with values: [T], shape: [Int] = []) throws {
        let inventory = try KerasFile.open(path).inventory()
        guard let variable = inventory.optimizerWeights.first(where: { $0.name.hasSuffix(suffix) || $0.name.hasSuffix(suffix + ":0") || $0.path.hasSuffix(suffix) }) else {
            throw HostileCorpus.BuildError("\(path) has no optimizer variable named *\(suffix)")
        }
        try HostileCorpus.replaceDataset(in: path, at: variable.path, with: values, shape: shape)
    }

    /// Replaces the dataset whose path ends in `suffix` (legacy files nest weights under their layer's group).
    static func replaceDataset(in path: String, named suffix: String, with values: [Float], shape: [Int]) throws {
        let weights = try KerasFile.open(path).inventory().layers.flatMap(\.weights)
        guard let weight = weights.first(where: { $0.path.hasSuffix(suffix) }) else {
            throw HostileCorpus.BuildError("\(path) has no weight *\(suffix)")
        }
        try HostileCorpus.replaceDataset(in: path, at: weight.path, with: values, shape: shape)
    }

    /// Rewrites a legacy file's `training_config`.
    static func editTrainingConfig(_ path: String, _ edit: (inout JSONObject) -> Void) throws {
        let root = try File.open(path, mode: .readWrite).root
        var config = try JSONParser.parse(try root.attribute("training_config").string ?? "{}").objectValue ?? JSONObject()
        edit(&config)
        try root.setAttribute("training_config", string: JSONValue.object(config).pythonJSON, encoding: .ascii)
    }

    /// Rewrites a `.keras` archive's `config.json`.
    static func editArchiveConfig(_ path: String, _ edit: (inout JSONObject) -> Void) throws {
        var members = try HostileCorpus.readZip(at: path)
        guard let index = members.firstIndex(where: { $0.0 == "config.json" }) else { throw HostileCorpus.BuildError("\(path) has no config.json") }
        var config = try JSONParser.parse(String(decoding: members[index].1, as: UTF8.self)).objectValue ?? JSONObject()
        edit(&config)
        members[index].1 = Array(JSONValue.object(config).pythonJSON.utf8)
        try HostileCorpus.writeZip(at: path, members)
    }

    /// Rewrites a `.keras` archive's `model.weights.h5` through `edit`, given it as a file.
    static func replaceArchiveWeights(_ path: String, _ edit: (String) throws -> Void) throws {
        var members = try HostileCorpus.readZip(at: path)
        guard let index = members.firstIndex(where: { $0.0 == "model.weights.h5" }) else {
            throw HostileCorpus.BuildError("\(path) has no model.weights.h5")
        }
        let inner = path + ".weights.h5"
        defer { try? FileManager.default.removeItem(atPath: inner) }
        try Data(members[index].1).write(to: URL(fileURLWithPath: inner))
        try edit(inner)
        members[index].1 = [UInt8](try Data(contentsOf: URL(fileURLWithPath: inner)))
        try HostileCorpus.writeZip(at: path, members)
    }
}

extension JSONObject {
    /// Sets a setting of the optimizer a legacy `training_config` (or, `inCompileConfig`, a `compile_config`) describes.
    mutating func setOptimizerSetting(_ key: String, _ value: JSONValue, inCompileConfig: Bool = false) {
        let entry = inCompileConfig ? "optimizer" : "optimizer_config"
        if inCompileConfig {
            var compile = self["compile_config"]?.objectValue ?? JSONObject()
            compile.setOptimizerSetting(key, value, entry: entry)
            self["compile_config"] = .object(compile)
        } else {
            setOptimizerSetting(key, value, entry: entry)
        }
    }

    private mutating func setOptimizerSetting(_ key: String, _ value: JSONValue, entry: String) {
        var optimizer = self[entry]?.objectValue ?? JSONObject()
        var config = optimizer["config"]?.objectValue ?? JSONObject()
        config[key] = value
        optimizer["config"] = .object(config)
        self[entry] = .object(optimizer)
    }

    /// Removes a setting of a legacy `training_config`'s optimizer.
    mutating func removeOptimizerSetting(_ key: String) {
        var optimizer = self["optimizer_config"]?.objectValue ?? JSONObject()
        var config = optimizer["config"]?.objectValue ?? JSONObject()
        config[key] = nil
        optimizer["config"] = .object(config)
        self["optimizer_config"] = .object(optimizer)
    }
}
