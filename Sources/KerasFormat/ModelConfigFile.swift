import Foundation
import NeuralNet

/// A model described by a Keras config alone, as `model.to_json()` writes it or as a `.keras` archive's
/// `config.json` holds it (with its `compile_config`): the model built from it with fresh weights, drawn by
/// each layer's initializers.
public struct ConfiguredModel {
    /// The model, its weights initialised from the seed.
    public let model: Model
    /// Each output's loss as the config's `compile_config` names them, if it does (the model is set to them,
    /// and to its loss weights).
    public let losses: [Loss]?
    /// A fresh optimizer as the config's `compile_config` describes it, if it does.
    public let optimizer: Optimizer?
    /// Settings read but not applied.
    public let notices: [Notice]

    /// The largest config file read (64 MiB).
    public static let maximumBytes = 64 << 20

    /// Reads `path` and builds its model, weights drawn from `seed`.
    public static func load(_ path: String, seed: UInt64) throws -> ConfiguredModel {
        let data: Data
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
        let json: JSONValue
        do {
            json = try JSONParser.parse(String(decoding: data, as: UTF8.self))
        } catch {
            throw KerasFormatError(file: path, .invalidJSON("\(error)"))
        }
        var builder = ModelBuilder(file: path, kerasVersion: json["keras_version"]?.stringValue)
        let model = try builder.build(try ModelConfig.parse(json, file: path), initializeWeights: true, seed: seed)
        var notices = builder.notices
        let losses = LossConfig.apply(json["compile_config"]?["loss"], weights: json["compile_config"]?["loss_weights"], to: model,
                                      notices: &notices).losses
        let optimizerEntry = json["compile_config"]?["optimizer"]
        let optimizer = OptimizerState.fresh(optimizerEntry, for: model)
        if optimizer == nil, let name = OptimizerState.described(optimizerEntry)?.className { notices.append(.optimizerNotSupported(name)) }
        return ConfiguredModel(model: model, losses: losses, optimizer: optimizer, notices: notices)
    }
}
