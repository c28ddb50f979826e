import Foundation
import KerasFormat
import NeuralNet
import SafeWrite

/// The files `train` writes next to the model: history as CSV and JSON, and SVG plots of accuracy, loss and
/// the test confusion matrix.
struct TrainingReport {
    let history: [EpochRecord]
    /// counts[true label][predicted label] on the test set.
    let confusion: [[Int]]
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

    /// Writes the five files; returns their paths.
    func write(besides modelPath: String) throws -> [String] {
        let stem = Self.stem(of: modelPath)
        let files: [(String, String)] = [
            (stem + ".history.csv", csv),
            (stem + ".history.json", json),
            (stem + ".accuracy.svg", Charts.lines(title: "\(title): accuracy", yLabel: "accuracy", series: [
                .init(label: "training", color: "#1f77b4", values: history.map(\.accuracy)),
                .init(label: "validation", color: "#ff7f0e", values: history.map { $0.validationAccuracy ?? .nan }),
            ])),
            (stem + ".loss.svg", Charts.lines(title: "\(title): loss", yLabel: "loss", series: [
                .init(label: "training", color: "#1f77b4", values: history.map(\.loss)),
                .init(label: "validation", color: "#ff7f0e", values: history.map { $0.validationLoss ?? .nan }),
            ])),
            (stem + ".confusion.svg", Charts.confusionMatrix(title: "\(title): test confusion matrix", counts: confusion)),
        ]
        for (path, text) in files { try AtomicFile.write(Array(text.utf8), to: path) }
        return files.map(\.0)
    }

    var csv: String {
        var lines = ["epoch,loss,accuracy,val_loss,val_accuracy,seconds"]
        for record in history {
            let values = [record.loss, record.accuracy, record.validationLoss, record.validationAccuracy, record.seconds]
            lines.append(([String(record.epoch)] + values.map { $0.map { String($0) } ?? "" }).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// Keras's `History.history` dictionary, plus epoch numbers and seconds.
    var json: String {
        func column(_ values: [Double?]) -> JSONValue { .array(values.map { $0.map(JSONValue.double) ?? .null }) }
        var object = JSONObject([("epoch", .array(history.map { .int($0.epoch) })),
                                 ("loss", column(history.map(\.loss))), ("accuracy", column(history.map(\.accuracy)))])
        if history.contains(where: { $0.validationLoss != nil }) {
            object["val_loss"] = column(history.map(\.validationLoss))
            object["val_accuracy"] = column(history.map(\.validationAccuracy))
        }
        object["seconds"] = column(history.map(\.seconds))
        return JSONValue.object(object).prettyJSON + "\n"
    }

    /// counts[true][predicted] from class probabilities.
    static func confusion(probabilities: [Float], labels: [Int32], classes: Int) -> [[Int]] {
        var counts = [[Int]](repeating: [Int](repeating: 0, count: classes), count: classes)
        for (sample, label) in labels.enumerated() {
            let row = probabilities[sample * classes..<(sample + 1) * classes]
            let predicted = row.indices.max { row[$0] < row[$1] }.map { $0 - sample * classes } ?? 0
            counts[Int(label)][predicted] += 1
        }
        return counts
    }
}
