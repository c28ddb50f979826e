import Architectures
import ArgumentParser
import CommandLineSupport
import FileProbe
import Foundation
import KerasFormat
import MNIST
import NeuralNet
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `keras-swift bench`: throughput, latency, memory and file I/O of the four architectures, or of model files, on
/// this machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training and inference speed, latency, memory and .h5 load/save time of the architectures or of your models.",
        discussion: """
            For each architecture (all four unless --arch), or each --model file instead: training images/s at \
            the notebook's batch size (--batch-size for a file, with the file's optimizer or Adam), inference \
            images/s at batch 128 over the 10,000 test images, single-image latency (median), peak memory, and \
            the time to save and load the model's .h5; then GFLOP/s per layer kind. Each model runs in a process \
            of its own so that its peak memory is its own. tools/keras_bench.py measures the same in Keras \
            (--model FILE too). Build in release mode (swift build -c release); KERAS_SWIFT_GEMM=openblas \
            switches matrix work to OpenBLAS, KERAS_SWIFT_CONV=im2col computes every convolution with im2col + GEMM \
            (otherwise 3x3 stride-1 ones over 16 or more channels take Winograd's algorithm, and stride-1 ones \
            over fewer than 32 channels on wide images implicit GEMM), KERAS_SWIFT_THREADS=N uses N threads.

            With --x and --y (one --model), the measurements run on your arrays instead of MNIST: the inputs \
            (.npy) and the targets the model's loss takes.

            --sweep --out STEM measures how the cost grows with the work: inference images/s at batch 1, 8, \
            32, 128 and 512 (on 512 test images) and training images/s, each with 1 and with 2 threads; it \
            writes the figures to STEM.json and each model's curve to STEM.MODEL.svg.
            """)

    @Option(help: "Benchmark only this architecture.")
    var arch: Architecture?

    @Option(name: .customLong("model"), help: "Benchmark this model file (.h5, .keras, or a Keras config .json) instead of the architectures; repeatable.")
    var models: [String] = []

    @Option(help: "Training batch size for --model files.")
    var batchSize = 32

    @OptionGroup var dataOptions: DataOptions

    @OptionGroup var arrays: ArrayOptions

    @Option(help: "Seconds to spend on each throughput measurement.")
    var seconds: Double = 3

    @Flag(help: "Print one JSON object per architecture per line.")
    var json = false

    @Flag(help: "Also print each layer's share of a training step, of batch-128 inference and of one image, and each convolution's algorithm (with --arch or one --model).")
    var layers = false

    @Flag(help: "Measure inference at several batch sizes and training with 1 and 2 threads (needs --out).")
    var sweep = false

    @Option(help: "Where --sweep writes: STEM.json, and STEM.MODEL.svg per model.")
    var out: String?

    @Option(parsing: .upToNextOption, help: .hidden)
    var inferenceBatchSizes: [Int] = []

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
        guard batchSize > 0 else { throw ValidationError("--batch-size must be positive") }
        if arch != nil && !models.isEmpty { throw ValidationError("give --arch or --model, not both") }
        if arrays.given && (models.count != 1 || arrays.targetFiles.isEmpty) {
            throw ValidationError("--x and --y measure one --model on your arrays: give all three")
        }
        if sweep && out == nil { throw ValidationError("--sweep needs --out STEM (it writes STEM.json and a plot per model)") }
        if out != nil && !sweep { throw ValidationError("--out is for --sweep") }
        if sweep && (json || layers) { throw ValidationError("--sweep prints a table and writes its JSON to --out; drop --json and --layers") }
        guard inferenceBatchSizes.allSatisfy({ $0 > 0 }) else { throw ValidationError("batch sizes must be positive") }
    }

    /// What is benchmarked: the chosen architecture, the model files, or else the four architectures.
    private var subjects: [BenchSubject] {
        if let arch { return [.preset(arch)] }
        return models.isEmpty ? Architecture.allCases.map(BenchSubject.preset) : models.map(BenchSubject.file)
    }

    func run() throws {
        let subjects = self.subjects
        if sweep, let out {
            try BenchSweep(bench: self, stem: out).run(subjects)
            return
        }
        guard subjects.count == 1 else {
            try runEachInItsOwnProcess(subjects)
            return
        }
        let result = try measure(subjects[0])
        if json {
            print(result.jsonLine)
        } else {
            print(BenchResult.tableHeader)
            print(result.tableRow)
            print(([result.peakShareLine] + result.layerKindLines).joined(separator: "\n"))
            if layers { print(layerLines.joined(separator: "\n")) }
        }
    }

    /// The processor's model name as Linux reports it (`/proc/cpuinfo`), for every figure to name its machine.
    static let processorName: String = {
        let info = (try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)) ?? ""
        let line = info.split(separator: "\n").first { $0.hasPrefix("model name") }
        return line.flatMap { $0.split(separator: ":", maxSplits: 1).last }.map { $0.trimmingCharacters(in: .whitespaces) }
            ?? "unknown processor"
    }()

    /// Per layer, filled by `measure` when --layers is given.
    private var layerLines: [String] { LayerReport.lines }

    private func runEachInItsOwnProcess(_ subjects: [BenchSubject]) throws {
        if !json {
            print("\(Bench.processorName); kernels on the \(KernelPath.current) path, matrix kernels: "
                  + "\(MatrixBackend.description); \(Parallel.coreCount) worker threads")
            print(String(format: "multiply-add peak of the %d cores together: %.0f GFLOP/s (measured)",
                         Parallel.coreCount, PeakThroughput.measure()))
            print(BenchResult.tableHeader)
        }
        var details: [String] = []
        for subject in subjects {
            let result = try measureInItsOwnProcess(subject)
            if json {
                print(result.jsonLine)
            } else {
                print(result.tableRow)
                details += ["\(subject.displayName): \(result.peakShareLine)"] + result.layerKindLines
            }
            flushStandardOutput()
        }
        if !json { print(details.joined(separator: "\n")) }
    }

    /// The `--x` and `--y` arrays in memory, for a model of one input and at least two training batches.
    private func arraySamples(for model: Model, batch: Int) throws -> Samples {
        let files = (arrays.inputFiles + arrays.targetFiles).joined(separator: ", ")
        guard model.inputs.count == 1 else {
            throw ToolError.unusableData(file: files, reason: "bench measures models of one input; this one takes \(model.inputs.count)")
        }
        let source = try arrays.samples(for: model, targets: true)
        guard source.count > batch else {
            throw ToolError.unusableData(file: files, reason: "\(source.count) samples; bench needs more than one training batch of \(batch)")
        }
        let rows = Array(0..<source.count)
        func values(_ array: SampleArray, _ size: Int) throws -> [Float] {
            var values = [Float](repeating: 0, count: source.count * size)
            try rows.withUnsafeBufferPointer { rows in
                try values.withUnsafeMutableBufferPointer { try source.gather(array, rows: rows, into: $0.baseAddress!) }
            }
            return values
        }
        return try arrays.reading {
            try Samples(count: source.count, inputs: [values(.input(0), source.inputSizes[0])],
                        targets: try source.targetSizes.indices.map { try values(.target($0), source.targetSizes[$0]) })
        }
    }

    /// `subject`'s figures from a child `keras-swift bench` of its own, given `arguments` more and `environment`
    /// added to this one's.
    func measureInItsOwnProcess(_ subject: BenchSubject, arguments: [String] = [], environment: [String: String] = [:]) throws -> BenchResult {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: CommandLine.arguments[0])
        process.arguments = ["bench"] + subject.arguments + ["--batch-size", String(batchSize), "--json", "--seconds", String(seconds)]
            + (dataOptions.data.map { ["--data", $0] } ?? []) + arrays.inputFiles.flatMap { ["--x", $0] }
            + arrays.targetFiles.flatMap { ["--y", $0] } + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0, let line = output.split(separator: "\n").last,
              let result = try? JSONDecoder().decode(BenchResult.self, from: Data(line.utf8)) else {
            throw ToolError.benchmarkFailed(subject: subject.name, status: process.terminationStatus)
        }
        return result
    }

    private func measure(_ subject: BenchSubject) throws -> BenchResult {
        let (model, preprocessing, batch, optimizer) = try subject.setUp(fileBatchSize: batchSize, digits: !arrays.given)
        let test = try preprocessing.map { try $0.samples(try MNIST.loadTest(from: try dataOptions.location()), for: model) }
            ?? (try arraySamples(for: model, batch: batch))
        let samples = test.inputs[0], sampleSize = model.inputSize, targetSizes = test.targetSizes

        // Training: the notebook's batch size, on test images (the data does not change the speed).
        let trainingProfile = LayerProfiler(nodeCount: model.nodes.count)
        var step = 0
        let trainingRate = withUnsafePointers(to: [samples] + test.targets) { arrays in
            rate(images: batch) {
                let start = (step * batch) % (test.count - batch)
                let targets = zip(arrays.dropFirst(), targetSizes).map { $0 + start * $1 }
                _ = model.trainingStep(Batch(count: batch, inputs: [arrays[0] + start * sampleSize], targets: targets), optimizer: optimizer)
                step += 1
            } profiled: { model.profiler = $0 ? trainingProfile : nil }
        }
        // Inference: batch 128 over the test set.
        let inferenceProfile = LayerProfiler(nodeCount: model.nodes.count)
        let inferenceRate = rate(images: test.count) {
            _ = try? model.predict(samples, batchSize: 128)
        } profiled: { model.profiler = $0 ? inferenceProfile : nil }
        // Inference at the batch sizes a sweep asks for, over 512 images (or one batch, when larger).
        var inferenceByBatch: [String: Double] = [:]
        for size in inferenceBatchSizes {
            let images = min(test.count, max(512, size))
            let slice = Array(samples.prefix(images * sampleSize))
            inferenceByBatch[String(size)] = rate(images: images) { _ = try? model.predict(slice, batchSize: size) } profiled: { _ in }.rounded()
        }
        // Latency: one image at a time.
        let one = Array(samples.prefix(sampleSize))
        var latencies: [Double] = []
        let deadline = Date().addingTimeInterval(min(seconds, 2))
        _ = try? model.predict(one, batchSize: 1)
        while Date() < deadline || latencies.count < 10 {
            let started = LayerProfiler.now()
            _ = try? model.predict(one, batchSize: 1)
            latencies.append(LayerProfiler.now() - started)
        }
        latencies.sort()
        // With --layers, a few more single images with the profiler on, apart from the timed ones.
        let latencyProfile = LayerProfiler(nodeCount: model.nodes.count)
        if layers {
            model.profiler = latencyProfile
            for _ in 0..<max(10, latencies.count / 4) { _ = try? model.predict(one, batchSize: 1) }
            model.profiler = nil
        }
        // .h5 save and load, median of five.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("keras-swift-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("model.h5").path
        var saves: [Double] = [], loads: [Double] = []
        for _ in 0..<5 {
            var started = LayerProfiler.now()
            try ModelWriter.save(model, optimizer: nil, to: path)
            saves.append(LayerProfiler.now() - started)
            started = LayerProfiler.now()
            _ = try ModelLoader.load(path)
            loads.append(LayerProfiler.now() - started)
        }
        if layers {
            LayerReport.record(model: model, trainingBatch: batch, training: trainingProfile, inference: inferenceProfile,
                               oneImage: latencyProfile)
        }
        var usage = rusage()
        #if canImport(Glibc)
        getrusage(RUSAGE_SELF.rawValue, &usage)
        #else
        getrusage(RUSAGE_SELF, &usage)
        #endif
        return BenchResult(
            arch: subject.name, trainImagesPerSecond: trainingRate.rounded(), inferImagesPerSecond: inferenceRate.rounded(),
            latencyMilliseconds: latencies[latencies.count / 2] * 1000, peakRSSMegabytes: (Double(usage.ru_maxrss) / 1024).rounded(),
            h5LoadSeconds: loads.sorted()[2], h5SaveSeconds: saves.sorted()[2],
            trainGigaflops: trainingRate * model.trainingFlops / 1e9, inferGigaflops: inferenceRate * model.forwardFlops / 1e9,
            peakGigaflops: PeakThroughput.measure(),
            layerKinds: BenchResult.layerKinds(model: model, training: trainingProfile, inference: inferenceProfile),
            matrixBackend: MatrixBackend.description, processor: Bench.processorName,
            kernelPath: KernelPath.current.description, threads: Parallel.coreCount,
            inferenceByBatch: inferenceByBatch.isEmpty ? nil : inferenceByBatch)
    }

    /// Images per second of `work` (which processes `images` images), after a warm-up, over about
    /// `seconds`; one extra profiled round fills the layer profile without slowing the timed rounds.
    private func rate(images: Int, _ work: () -> Void, profiled: (Bool) -> Void) -> Double {
        work()
        var rounds = 0
        let started = LayerProfiler.now()
        var elapsed = 0.0
        repeat {
            work()
            rounds += 1
            elapsed = LayerProfiler.now() - started
        } while elapsed < seconds
        profiled(true)
        work()
        profiled(false)
        return Double(rounds * images) / elapsed
    }
}

/// A model `keras-swift bench` measures: a notebook architecture, or a model file.
enum BenchSubject {
    case preset(Architecture)
    case file(String)

    /// The name in the table and the JSON: the architecture's, or the file's without its folder and extension.
    var name: String {
        switch self {
        case .preset(let preset): return preset.rawValue
        case .file(let path): return URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        }
    }

    var displayName: String {
        switch self {
        case .preset(let preset): return preset.displayName
        case .file(let path): return path
        }
    }

    /// The options that make a child `keras-swift bench` measure this subject alone.
    var arguments: [String] {
        switch self {
        case .preset(let preset): return ["--arch", preset.rawValue]
        case .file(let path): return ["--model", path]
        }
    }

    /// The model, its input preprocessing (for MNIST's digits, unless `digits` is false), the training batch
    /// size and optimizer: the notebook's recipe for an architecture; for a file, its optimizer (Adam when it has
    /// none) at `fileBatchSize`.
    func setUp(fileBatchSize: Int, digits: Bool = true) throws -> (Model, Preprocessing?, Int, Optimizer) {
        switch self {
        case .preset(let preset):
            let recipe = preset.recipe
            let model = try preset.makeModel(seed: 1)
            return (model, preset.preprocessing, recipe.batchSize, recipe.optimizer.make(parameters: model.parameters))
        case .file(let path):
            try FileProbe.check(path)
            let model: Model, preset: Architecture?, stored: Optimizer?
            if path.lowercased().hasSuffix(".json") {
                let configured = try ConfiguredModel.load(path, seed: 1)
                (model, preset, stored) = (configured.model, nil, configured.optimizer)
            } else {
                let loaded = try Architecture.load(path)
                var notices: [Notice] = []
                (model, preset) = (loaded.model, loaded.architecture)
                stored = try OptimizerState.restore(try loaded.storedOptimizer(), for: model, notices: &notices)
            }
            let optimizer = stored ?? Adam(parameters: model.parameters, learningRate: 0.001)
            guard digits else { return (model, nil, fileBatchSize, optimizer) }
            try ModelOptions.requireDigitModel(model, file: path)
            let preprocessing: Preprocessing
            do {
                preprocessing = try Preprocessing.forModel(model, preset: preset, pixels: .auto).0
            } catch let error as PreprocessingError {
                throw ToolError.unusableModel(file: path, reason: "\(error)")
            }
            return (model, preprocessing, fileBatchSize, optimizer)
        }
    }
}

/// One model's benchmark figures, as `bench --json` prints them (one object per line).
struct BenchResult: Codable {
    struct KindTiming: Codable {
        let kind: String
        let trainingSeconds: Double
        let trainingFlops: Double
        let inferenceSeconds: Double
        let inferenceFlops: Double

        enum CodingKeys: String, CodingKey {
            case kind, trainingSeconds = "training_s", trainingFlops = "training_flops", inferenceSeconds = "inference_s"
            case inferenceFlops = "inference_flops"
        }
    }

    /// The architecture, or the model file's name.
    let arch: String
    let trainImagesPerSecond: Double
    let inferImagesPerSecond: Double
    let latencyMilliseconds: Double
    let peakRSSMegabytes: Double
    let h5LoadSeconds: Double
    let h5SaveSeconds: Double
    let trainGigaflops: Double
    let inferGigaflops: Double
    /// The machine's measured multiply-add peak, GFLOP/s over all cores.
    let peakGigaflops: Double
    let layerKinds: [KindTiming]
    let matrixBackend: String
    /// The processor the figures were measured on, and the kernels' instruction-set path on it.
    let processor: String
    let kernelPath: String
    /// The threads the model ran on.
    let threads: Int
    /// Inference images/s by batch size, when a sweep asked for them.
    let inferenceByBatch: [String: Double]?

    enum CodingKeys: String, CodingKey {
        case arch, trainImagesPerSecond = "train_images_per_s", inferImagesPerSecond = "infer_images_per_s"
        case latencyMilliseconds = "latency_ms", peakRSSMegabytes = "peak_rss_mb", h5LoadSeconds = "h5_load_s"
        case h5SaveSeconds = "h5_save_s", trainGigaflops = "train_gflops", inferGigaflops = "infer_gflops"
        case peakGigaflops = "peak_gflops", layerKinds = "layer_kinds", matrixBackend = "matrix_backend", processor
        case kernelPath = "kernel_path", threads, inferenceByBatch = "infer_images_per_s_by_batch"
    }

    /// One line of JSON.
    var jsonLine: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return String(decoding: (try? encoder.encode(self)) ?? Data(), as: UTF8.self)
    }

    static let tableHeader = "model               train img/s  (GFLOP/s)  infer img/s  (GFLOP/s)  latency ms  peak MB  h5 load ms  h5 save ms"

    var tableRow: String {
        arch.padding(toLength: 18, withPad: " ", startingAt: 0)
            + describeCount(Int(trainImagesPerSecond)).leftPadded(to: 13) + String(format: "(%.1f)", trainGigaflops).leftPadded(to: 11)
            + describeCount(Int(inferImagesPerSecond)).leftPadded(to: 13) + String(format: "(%.1f)", inferGigaflops).leftPadded(to: 11)
            + String(format: "%.3f", latencyMilliseconds).leftPadded(to: 12) + String(format: "%.0f", peakRSSMegabytes).leftPadded(to: 9)
            + String(format: "%.1f", h5LoadSeconds * 1000).leftPadded(to: 12) + String(format: "%.1f", h5SaveSeconds * 1000).leftPadded(to: 12)
    }

    /// `gigaflops` as a percentage of the machine's measured peak.
    func percentOfPeak(_ gigaflops: Double) -> Double { 100 * gigaflops / max(peakGigaflops, 1e-9) }

    /// Overall training and inference throughput as shares of the machine's peak.
    var peakShareLine: String {
        String(format: "training at %.0f%%, inference at %.0f%% of the %.0f GFLOP/s peak",
               percentOfPeak(trainGigaflops), percentOfPeak(inferGigaflops), peakGigaflops)
    }

    var layerKindLines: [String] {
        layerKinds.map { kind in
            func rate(_ flops: Double, _ seconds: Double) -> String {
                guard flops > 0, seconds > 0 else { return "no multiply-adds" }
                let gigaflops = flops / seconds / 1e9
                return String(format: "%.1f GFLOP/s, %.0f%% of peak", gigaflops, percentOfPeak(gigaflops))
            }
            return "  \(kind.kind.padding(toLength: 16, withPad: " ", startingAt: 0)) training \(String(format: "%5.1f", kind.trainingSeconds * 1000)) ms "
                + "(\(rate(kind.trainingFlops, kind.trainingSeconds))), inference \(String(format: "%5.1f", kind.inferenceSeconds * 1000)) ms "
                + "(\(rate(kind.inferenceFlops, kind.inferenceSeconds)))"
        }
    }

    /// Per layer class: the first worker's time and the operations the whole batch needed in that time.
    static func layerKinds(model: Model, training: LayerProfiler, inference: LayerProfiler) -> [KindTiming] {
        let workers = Double(Parallel.coreCount)
        var order: [String] = []
        var totals: [String: (Double, Double, Double, Double)] = [:]
        for (index, node) in model.nodes.enumerated() {
            let layer = node.layer, kind = layer.className
            if totals[kind] == nil { order.append(kind) }
            var entry = totals[kind] ?? (0, 0, 0, 0)
            entry.0 += training.forwardSeconds[index] + training.backwardSeconds[index]
            entry.1 += model.trainingFlops(node: index) * Double(training.samples) * workers
            entry.2 += inference.forwardSeconds[index]
            entry.3 += layer.forwardFlops * Double(inference.samples) * workers
            totals[kind] = entry
        }
        return order.map { kind in
            let entry = totals[kind] ?? (0, 0, 0, 0)
            return KindTiming(kind: kind, trainingSeconds: entry.0, trainingFlops: entry.1, inferenceSeconds: entry.2, inferenceFlops: entry.3)
        }
    }
}

/// The per-layer breakdown `bench --layers` prints: each layer's share of a training step, of batch-128
/// inference and of one image's prediction, and the algorithm each convolution took in each.
enum LayerReport {
    nonisolated(unsafe) static var lines: [String] = []

    static func record(model: Model, trainingBatch: Int, training: LayerProfiler, inference: LayerProfiler, oneImage: LayerProfiler) {
        let trainingTotal = training.forwardSeconds.reduce(0, +) + training.backwardSeconds.reduce(0, +)
        let inferenceTotal = inference.forwardSeconds.reduce(0, +), oneImageTotal = oneImage.forwardSeconds.reduce(0, +)
        lines = ["layer                 training: forward  backward   inference: forward  one image   convolution (training; inference; one image)"]
        let calls = model.callIndices
        let trainingPart = model.passSize(batch: trainingBatch, training: true)
        let inferencePart = model.passSize(batch: 128, training: false)
        for (index, node) in model.nodes.enumerated() {
            let name = node.layer.name + (calls[index] > 0 ? "[\(calls[index])]" : "")
            func share(_ seconds: Double, _ total: Double) -> String { String(format: "%5.1f%%", 100 * seconds / max(total, 1e-12)) }
            var line = "  \(name.padding(toLength: 20, withPad: " ", startingAt: 0))  "
                + "\(share(training.forwardSeconds[index], trainingTotal))    \(share(training.backwardSeconds[index], trainingTotal))"
                + "          \(share(inference.forwardSeconds[index], inferenceTotal))"
                + "     \(share(oneImage.forwardSeconds[index], oneImageTotal))"
            if let convolution = node.layer as? AlgorithmChoosingConvolution {
                line += "      " + [convolution.algorithm(batch: trainingPart, training: true),
                                    convolution.algorithm(batch: inferencePart, training: false),
                                    convolution.algorithm(batch: 1, training: false)].map(\.rawValue).joined(separator: "; ")
            }
            lines.append(line)
        }
    }
}

extension String {
    /// The string with spaces before it up to `width` characters, for right-aligned table columns.
    func leftPadded(to width: Int) -> String { String(repeating: " ", count: max(0, width - count)) + self }
}
