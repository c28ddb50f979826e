import ArgumentParser
import KerasFormat
import NeuralNet

/// `train`'s Keras callbacks: EarlyStopping, ReduceLROnPlateau and ModelCheckpoint, watching one figure.
struct CallbackOptions: ParsableArguments {
    @Option(help: "Stop when the watched figure has not improved for this many epochs (Keras's EarlyStopping patience).")
    var earlyStopping: Int?

    @Flag(help: "With --early-stopping, end with the weights of the best epoch (Keras's restore_best_weights).")
    var restoreBestWeights = false

    @Option(help: "Lower the learning rate when the watched figure has not improved for this many epochs (Keras's ReduceLROnPlateau patience).")
    var reduceLROnPlateau: Int?

    @Option(help: "What --reduce-lr-on-plateau multiplies the rate by.")
    var reduceLRFactor: Double = 0.1

    @Option(help: ArgumentHelp("Save the model after each epoch (Keras's ModelCheckpoint): .keras, .h5, or .weights.h5; the path may hold {epoch:02d} or a figure such as {val_loss:.4f}.",
                               valueName: "file"))
    var checkpoint: String?

    @Flag(help: "With --checkpoint, save only epochs whose watched figure improves on the best so far.")
    var saveBestOnly = false

    @Option(help: "The figure the callbacks watch, by Keras's name (default: val_loss with validation data, else loss).")
    var monitor: String?

    func validate() throws {
        if let earlyStopping, earlyStopping < 0 { throw ValidationError("--early-stopping must be 0 or more") }
        if let reduceLROnPlateau, reduceLROnPlateau < 0 { throw ValidationError("--reduce-lr-on-plateau must be 0 or more") }
        if !(reduceLRFactor > 0 && reduceLRFactor < 1) { throw ValidationError("--reduce-lr-factor must be between 0 and 1") }
        if restoreBestWeights && earlyStopping == nil { throw ValidationError("--restore-best-weights needs --early-stopping") }
        if saveBestOnly && checkpoint == nil { throw ValidationError("--save-best-only needs --checkpoint") }
    }

    /// The callbacks asked for, watching ``monitor`` (or the validation loss when there is validation data).
    func callbacks(validating: Bool) throws -> [Callback] {
        let watched = monitor ?? (validating ? "val_loss" : "loss")
        var callbacks: [Callback] = []
        if let earlyStopping {
            callbacks.append(EarlyStopping(monitor: watched, patience: earlyStopping, restoreBestWeights: restoreBestWeights))
        }
        if let reduceLROnPlateau {
            callbacks.append(try ReduceLROnPlateau(monitor: watched, factor: reduceLRFactor, patience: reduceLROnPlateau))
        }
        if let checkpoint {
            callbacks.append(try ModelCheckpoint(checkpoint, monitor: watched, saveBestOnly: saveBestOnly,
                                                 saveWeightsOnly: checkpoint.lowercased().hasSuffix(".weights.h5")))
        }
        return callbacks
    }

    /// A line on what the callbacks did, for after training.
    static func report(_ callbacks: [Callback]) -> [String] {
        callbacks.flatMap { callback -> [String] in
            switch callback {
            case let stopping as EarlyStopping:
                let stopped = stopping.stoppedEpoch.map { ["stopped early after epoch \($0): \(stopping.monitor.name) had not improved for \(stopping.patience) epochs"] } ?? []
                let restored = stopping.restoreBestWeights ? stopping.bestEpoch.map { ["restored the weights of epoch \($0)"] } ?? [] : []
                return stopped + restored
            case let reducing as ReduceLROnPlateau:
                return reducing.reductions.map { "lowered the learning rate to \($0.learningRate) after epoch \($0.epoch)" }
            case let checkpoint as ModelCheckpoint:
                return checkpoint.saved.isEmpty ? [] : ["checkpoints: " + checkpoint.saved.joined(separator: ", ")]
            default: return []
            }
        }
    }
}
