import Foundation
import NeuralNet

/// Saves the model as training goes, as Keras's `ModelCheckpoint`: after every epoch, or with `saveBestOnly`
/// after each epoch whose watched figure improves on the best so far. The form follows the extension
/// (`.keras` or `.h5`, with the optimizer's state; `.weights.h5` when `saveWeightsOnly`, without it), and the
/// path may name the epoch and any figure of the logs as Keras's does: `ckpt-{epoch:02d}-{val_loss:.3f}.keras`
/// (the epoch from 1). Each file appears whole or not at all.
public final class ModelCheckpoint: Callback {
    /// The path, with its `{...}` fields.
    public let path: String
    /// The figure watched with `saveBestOnly`.
    public let monitor: Monitor
    /// Whether only an improving epoch is saved.
    public let saveBestOnly: Bool
    /// Whether only the weights are saved (a `.weights.h5`).
    public let saveWeightsOnly: Bool
    /// The files written, in order.
    public private(set) var saved: [String] = []

    private var best: Double?
    private var largerIsBetter = false

    /// A checkpoint to `path`. Refuses, as Keras does, an extension that does not fit `saveWeightsOnly`.
    public init(_ path: String, monitor: String = "val_loss", mode: Monitor.Mode = .auto, saveBestOnly: Bool = false,
                saveWeightsOnly: Bool = false, initialValueThreshold: Double? = nil) throws {
        let name = path.lowercased()
        if saveWeightsOnly {
            guard name.hasSuffix(".weights.h5") else {
                throw CallbackError("\(path): ModelCheckpoint with saveWeightsOnly writes a .weights.h5")
            }
        } else {
            guard name.hasSuffix(".keras") || (name.hasSuffix(".h5") && !name.hasSuffix(".weights.h5")) else {
                throw CallbackError("\(path): ModelCheckpoint writes a .keras or .h5 (a .weights.h5 with saveWeightsOnly)")
            }
        }
        self.path = path
        self.monitor = Monitor(monitor, mode: mode)
        self.saveBestOnly = saveBestOnly
        self.saveWeightsOnly = saveWeightsOnly
        best = initialValueThreshold
    }

    public func trainingBegan(_ run: TrainingRun) throws {
        if saveBestOnly { largerIsBetter = try run.largerIsBetter(monitor, for: "ModelCheckpoint") }
        _ = try Self.fill(path, epoch: 1, logs: Scores(run.logNames.map { ($0, 0) }))
    }

    public func epochEnded(_ record: EpochRecord, _ run: TrainingRun) throws {
        let logs = record.logs
        if saveBestOnly {
            guard let current = logs[monitor.name], monitor.isImprovement(current, over: best, largerIsBetter: largerIsBetter) else { return }
            best = current
        }
        let file = try Self.fill(path, epoch: record.epoch, logs: logs)
        try ModelWriter.save(run.model, optimizer: saveWeightsOnly ? nil : run.optimizer, to: file)
        saved.append(file)
    }

    /// `path` with each `{name}` or `{name:spec}` replaced: `epoch` (from 1) or a figure of `logs`, formatted
    /// by a Python spec of `d` (`02d`) or `f` (`.4f`) kind.
    static func fill(_ path: String, epoch: Int, logs: Scores) throws -> String {
        var result = "", rest = Substring(path)
        while let open = rest.firstIndex(of: "{") {
            result += rest[..<open]
            guard let close = rest[open...].firstIndex(of: "}") else { throw CallbackError("\(path): a { without its }") }
            let field = rest[rest.index(after: open)..<close]
            let parts = field.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0]), spec = parts.count > 1 ? String(parts[1]) : ""
            guard let value = name == "epoch" ? Double(epoch) : logs[name] else {
                throw CallbackError("\(path): {\(name)} is neither epoch nor a figure of the logs (\(logs.names.joined(separator: ", ")))")
            }
            result += try format(value, spec: spec, isInteger: name == "epoch", path: path)
            rest = rest[rest.index(after: close)...]
        }
        return result + rest
    }

    /// `value` by a Python format spec: empty, `d` with an optional zero-padded width, or `f`/`e` with an
    /// optional width and precision.
    private static func format(_ value: Double, spec: String, isInteger: Bool, path: String) throws -> String {
        guard let kind = spec.last, "dfe".contains(kind) else {
            guard spec.isEmpty else { throw CallbackError("\(path): the format :\(spec) is not one of d, f or e") }
            return isInteger ? String(Int(value)) : "\(value)"
        }
        let body = spec.dropLast()
        guard body.allSatisfy({ $0.isNumber || $0 == "." }), body.filter({ $0 == "." }).count <= 1 else {
            throw CallbackError("\(path): the format :\(spec) is not one of d, f or e")
        }
        return kind == "d" ? String(format: "%\(body)d", Int(value)) : String(format: "%\(body)\(kind)", value)
    }
}
