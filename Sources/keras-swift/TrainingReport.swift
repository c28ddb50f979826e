import Foundation
import KerasFormat
import NeuralNet
import SafeWrite

/// The files `train` writes next to the model: history as CSV and JSON, and SVG plots of the loss, the
/// accuracy (when the model reports it) and the test confusion matrix (when there is a test set).
struct TrainingReport {
    let history: [EpochRecord]
    /// counts[true label][predicted label] on the test set, when there is one.
    let confusion: [[Int]]?
    let title: String

    /// `lenet5.h5` → `lenet5`; `model.weights.h5` → `model`.
    static func stem(of path: String) -> String {
        var stem = path
        for suffix in [".weights.h5", ".h5", ".hdf5", ".keras"] where stem.lowercased().hasSuffix(suffix) {
            stem.removeLast(suffix.count)
            break
        }
        return stem
    }

    /// Writes the files; returns their paths.
    func write(besides modelPath: String) throws -> [String] {
        let stem = Self.stem(of: modelPath)
        var files: [(String, String)] = [
            (stem + ".history.csv", csv),
            (stem + ".history.json", json),
            (stem + ".loss.svg", chart("loss")),
        ]
        if let confusion {
            files.append((stem + ".confusion.svg", Charts.confusionMatrix(title: "\(title): test confusion matrix", counts: confusion)))
        }
        if history.contains(where: { $0.scores["accuracy"] != nil }) { files.insert((stem + ".accuracy.svg", chart("accuracy")), at: 2) }
        for (path, text) in files { try AtomicFile.write(Array(text.utf8), to: path) }
        return files.map(\.0)
    }

    /// A chart of one figure per epoch, in training and in validation.
    private func chart(_ name: String) -> String {
        Charts.lines(title: "\(title): \(name)", yLabel: name, series: [
            .init(label: "training", color: "#1f77b4", values: history.map { $0.scores[name] ?? .nan }),
            .init(label: "validation", color: "#ff7f0e", values: history.map { $0.validation?[name] ?? .nan }),
        ])
    }

    /// Every figure's name in Keras's logs (`loss`, the metrics, then the same after `val_`), in order.
    private var names: [String] {
        var names: [String] = []
        for record in history { for name in record.logs.names where !names.contains(name) { names.append(name) } }
        return names
    }

    /// Keras's CSVLogger columns: the epoch, every figure, then the seconds.
    var csv: String {
        var lines = [(["epoch"] + names + ["seconds"]).joined(separator: ",")]
        for record in history {
            let logs = record.logs
            let values = names.map { logs[$0].map { String($0) } ?? "" } + [String(record.seconds)]
            lines.append(([String(record.epoch)] + values).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Keras's `History.history` dictionary, plus epoch numbers and seconds.
    var json: String {
        var object = JSONObject([("epoch", .array(history.map { .int($0.epoch) }))])
        for name in names { object[name] = .array(history.map { $0.logs[name].map(JSONValue.double) ?? .null }) }
        object["seconds"] = .array(history.map { .double($0.seconds) })
        return JSONValue.object(object).prettyJSON + "\n"
    }

    /// counts[true][predicted] from class probabilities.
    static func confusion(probabilities: [Float], labels: [UInt8], classes: Int) -> [[Int]] {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (sample, label) in labels.enumerated() {
            let row = probabilities[sample * classes..<(sample + 1) * classes]
            let predicted = row.indices.max { row[$0] < row[$1] }.map { $0 - sample * classes } ?? 0
            counts[Int(label)][predicted] += 1
        }
        return counts
    }
}
