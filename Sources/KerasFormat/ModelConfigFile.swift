import Foundation
import NeuralNet

/// A model described by a Keras config alone, as `model.to_json()` writes it or as a `.keras` archive's
/// `config.json` holds it (with its `compile_config`): the model built from it with fresh weights, drawn by
/// each layer's initializers.
public struct ConfiguredModel {
    /// The model, its weights initialised from the seed.
    public let model: Model
    /// The config it was built from (which names the paths of its weights in a `.weights.h5`).
    public let config: ModelConfig
    /// Each output's loss as the config's `compile_config` names them, if it does (the model is set to them,
    /// to its loss weights and to its metrics).
    public let losses: [Loss]?
    /// The loss the `compile_config` names when this project does not have it (the model keeps sparse
    /// categorical cross-entropy, and training it would train another loss).
    public let unsupportedLoss: String?
    /// A fresh optimizer as the config's `compile_config` describes it, if it does.
    public let optimizer: Optimizer?
    /// Settings read but not applied.
    public let notices: [Notice]

    /// The largest config file read (64 MiB).
    public static let maximumBytes = 64 << 20

    /// Reads `path` and builds its model, weights drawn from `seed`.
    /// Input axes the config leaves open take their lengths from `inputShapes` (the data's), else are
    /// `openAxisLength` long (a model to convert, whose weights cannot depend on them).
    public static func load(_ path: String, seed: UInt64, inputShapes: [[Int]]? = nil, openAxisLength: Int? = nil) throws -> ConfiguredModel {
        try ConfiguredModel(try readJSON(path), file: path, seed: seed, inputShapes: inputShapes, openAxisLength: openAxisLength)
    }

    /// The parsed JSON of a config file, refused naming `path` when it is missing, unreadable, larger than
    /// ``maximumBytes`` or not JSON.
    public static func readJSON(_ path: String) throws -> JSONValue {
        let data: Data
        guard FileManager.default.fileExists(atPath: path) else { throw KerasFormatError(file: path, .noSuchFile) }
        do {
            let size = (try FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            guard size <= maximumBytes else {
                throw KerasFormatError(file: path, .invalidJSON("\(size) bytes is larger than the limit of \(maximumBytes)"))
            }
            data = try Data(contentsOf: URL(fileURLWithPath: path))
        } catch let error as KerasFormatError {
            throw error
        } catch {
            throw KerasFormatError(file: path, .unreadable(error.localizedDescription))
        }
        do {
            return try JSONParser.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw KerasFormatError(file: path, .invalidJSON("\(error)"))
        }
    }

    /// The model a parsed config describes, with its compile settings; errors name `file`. With
    /// `initializeWeights` false the weights are left unset (for a caller that only exercises the model).
    public init(_ json: JSONValue, file: String, seed: UInt64, initializeWeights: Bool = true, inputShapes: [[Int]]? = nil,
                openAxisLength: Int? = nil) throws {
        var builder = ModelBuilder(file: file, kerasVersion: json["keras_version"]?.stringValue)
        builder.dataShapes = inputShapes
        builder.openAxisLength = openAxisLength
        config = try ModelConfig.parse(json, file: file)
        model = try builder.build(config, initializeWeights: initializeWeights, seed: seed)
        var notices = builder.notices
        let settings = json["compile_config"], source = CompileSettingsSource(file: file, object: "compile_config")
        (losses, unsupportedLoss) = try LossConfig.apply(settings?["loss"], weights: settings?["loss_weights"], to: model, source: source,
                                                         notices: &notices)
        if let settings {
            try model.setMetrics(try MetricConfig.metrics(settings["metrics"], weighted: settings["weighted_metrics"], outputNames: model.outputNames,
                                                     source: source, kerasVersion: json["keras_version"]?.stringValue, notices: &notices))
        }
        optimizer = try OptimizerState.fresh(json["compile_config"]?["optimizer"], for: model, file: file, notices: &notices)
        self.notices = notices
    }
}
