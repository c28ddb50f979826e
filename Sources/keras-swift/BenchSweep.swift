import CommandLineSupport
import Foundation
import NeuralNet
import SafeWrite

/// `keras-swift bench --sweep`: how each model's speed grows with the work, inference by batch size and training
/// by threads, each thread count measured in a process of its own; the figures go to a JSON file and each
/// model's curve to an SVG plot beside it.
struct BenchSweep {
    /// The batch sizes inference is measured at.
    static let batchSizes = [1, 8, 32, 128, 512]
    /// The thread counts everything is measured with (those the machine has).
    static let threadCounts = [1, 2]

    let bench: Bench
    /// Where the results go: `stem.json`, and `stem.MODEL.svg` per model.
    let stem: String

    func run(_ subjects: [BenchSubject]) throws {
        try AtomicFile.checkDestination(stem + ".json")
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let threads = Self.threadCounts.filter { $0 <= cores }
        print("\(Bench.processorName); kernels on the \(KernelPath.current) path, matrix kernels: \(MatrixBackend.description)")
        print("model               threads  train img/s  " + Self.batchSizes.map { "batch \($0)".leftPadded(to: 11) }.joined()
              + "   (inference img/s)")
        var results: [BenchResult] = []
        var plots: [(path: String, text: String)] = []
        for subject in subjects {
            var measured: [BenchResult] = []
            for count in threads {
                let result = try bench.measureInItsOwnProcess(subject, arguments: ["--inference-batch-sizes"] + Self.batchSizes.map(String.init),
                                                              environment: ["KERAS_SWIFT_THREADS": String(count)])
                print(result.arch.padding(toLength: 18, withPad: " ", startingAt: 0) + String(count).leftPadded(to: 9)
                      + describeCount(Int(result.trainImagesPerSecond)).leftPadded(to: 13)
                      + Self.batchSizes.map { describeCount(Int(result.inferenceByBatch?[String($0)] ?? 0)).leftPadded(to: 11) }.joined())
                flushStandardOutput()
                measured.append(result)
            }
            plots.append(("\(stem).\(subject.name).svg", plot(measured)))
            results += measured
        }
        // Written once every model is measured: a failed run leaves no partial set of files.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted]
        try AtomicFile.write(Array(try encoder.encode(results)), to: stem + ".json")
        for plot in plots { try AtomicFile.write(Array(plot.text.utf8), to: plot.path) }
        print("wrote \(stem).json, " + plots.map(\.path).joined(separator: ", "))
    }

    /// One model's inference images/s against the batch size, a line per thread count, with its training
    /// figures under the axis.
    private func plot(_ results: [BenchResult]) -> String {
        let colors = ["#1f77b4", "#d62728"]
        let series = results.enumerated().map { index, result in
            Charts.Series(label: "inference, \(result.threads) thread\(result.threads == 1 ? "" : "s")", color: colors[index % colors.count],
                          values: Self.batchSizes.map { result.inferenceByBatch?[String($0)] ?? .nan })
        }
        let training = results.map { "\(describeCount(Int($0.trainImagesPerSecond))) with \($0.threads)" }.joined(separator: ", ")
        let first = results.first
        return Charts.lines(title: "\(first?.arch ?? "model"): inference; \(first?.processor ?? ""), \(first?.kernelPath ?? "")",
                            xLabel: "batch size (training images/s, by threads: \(training))", xTicks: Self.batchSizes.map(String.init),
                            yLabel: "inference images/s", series: series)
    }
}
