import Architectures
import ArgumentParser
import CommandLineSupport
import Foundation
import KerasFormat
import MNIST
import NeuralNet

/// `digits bench`: throughput, latency, memory and file I/O of the four architectures on this machine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Measure training and inference speed, latency, memory and .h5 load/save time of the architectures.",
        discussion: """
            For each architecture (all four unless --arch): training images/s at the notebook's batch size, \
            inference images/s at batch 128 over the 10,000 test images, single-image latency (median), peak \
            memory, and the time to save and load the model's .h5; then GFLOP/s per layer kind. Each \
            architecture runs in a process of its own so that its peak memory is its own. Build in release \
            mode (swift build -c release); KERAS_SWIFT_GEMM=openblas switches matrix work to OpenBLAS.
            """)

    @Option(help: "Benchmark only this architecture.")
    var arch: Architecture?

    @OptionGroup var dataOptions: DataOptions

    @Option(help: "Seconds to spend on each throughput measurement.")
    var seconds: Double = 3

    @Flag(help: "Print one JSON object per architecture per line.")
    var json = false

    @Flag(help: "Also print each layer's share of the time (with --arch).")
    var layers = false

    func validate() throws {
        guard seconds > 0 else { throw ValidationError("--seconds must be positive") }
    }

    func run() throws {
        guard let arch else {
            try runEachInItsOwnProcess()
            return
        }
        let result = try measure(arch)
        if json {
            print(result.json.pythonJSON)
        } else {
            print(BenchResult.tableHeader)
            print(result.tableRow)
            print(([result.peakShareLine] + result.layerKindLines).joined(separator: "\n"))
            if layers { print(layerLines.joined(separator: "\n")) }
        }
    }

    /// Per layer, filled by `measure` when --layers is given.
    private var layerLines: [String] { LayerReport.lines }

    private func runEachInItsOwnProcess() throws {
        let executable = URL(fileURLWithPath: CommandLine.arguments[0]).path
        if !json {
            print("matrix kernels: \(MatrixBackend.description); \(Parallel.coreCount) worker threads")
            print(String(format: "multiply-add peak of the %d cores together: %.0f GFLOP/s (measured)",
                         Parallel.coreCount, PeakThroughput.measure()))
            print(BenchResult.tableHeader)
        }
        var details: [String] = []
        for preset in Architecture.allCases {
            let process = Process()
            process.executableURL = URL(fileURLWithPath: executable)
            process.arguments = ["bench", "--arch", preset.rawValue, "--json", "--seconds", String(seconds)]
                + (dataOptions.data.map { ["--data", $0] } ?? [])
            let pipe = Pipe()
            process.standardOutput = pipe
            try process.run()
            let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            guard process.terminationStatus == 0, let line = output.split(separator: "\n").last else {
                throw ValidationError("benchmarking \(preset.rawValue) failed (exit \(process.terminationStatus))")
            }
            if json {
                print(line)
            } else if let result = try? BenchResult(json: JSONParser.parse(String(line))) {
                print(result.tableRow)
                details += ["\(preset.displayName): \(result.peakShareLine)"] + result.layerKindLines
            }
            flushStandardOutput()
        }
        if !json { print(details.joined(separator: "\n")) }
    }

    private func measure(_ preset: Architecture) throws -> BenchResult {
        let location = try dataOptions.location()
        let test = preset.preprocessing.apply(try MNIST.loadTest(from: location))
        let recipe = preset.recipe
        let model = try preset.makeModel(seed: 1)
        let optimizer = recipe.optimizer.make(parameters: model.parameters, learningRate: recipe.learningRate)

        // Training: the notebook's batch size, on test images (the data does not change the speed).
        let batch = recipe.batchSize
        let trainingProfile = LayerProfiler(nodeCount: model.nodes.count)
        var step = 0
        let trainingRate = test.samples.withUnsafeBufferPointer { samples in
            test.labels.withUnsafeBufferPointer { labels in
                rate(images: batch) {
                    let start = (step * batch) % (test.count - batch)
                    _ = model.trainingStep(samples.baseAddress! + start * test.sampleSize, labels: labels.baseAddress! + start,
                                           batch: batch, optimizer: optimizer)
                    step += 1
                } profiled: { model.profiler = $0 ? trainingProfile : nil }
            }
        }
        // Inference: batch 128 over the test set.
        let inferenceProfile = LayerProfiler(nodeCount: model.nodes.count)
        let inferenceRate = rate(images: test.count) {
            _ = model.predict(test.samples, batchSize: 128)
        } profiled: { model.profiler = $0 ? inferenceProfile : nil }
        // Latency: one image at a time.
        let one = Array(test.samples.prefix(test.sampleSize))
        var latencies: [Double] = []
        let deadline = Date().addingTimeInterval(min(seconds, 2))
        _ = model.predict(one, batchSize: 1)
        while Date() < deadline || latencies.count < 10 {
            let started = LayerProfiler.now()
            _ = model.predict(one, batchSize: 1)
            latencies.append(LayerProfiler.now() - started)
        }
        latencies.sort()
        // .h5 save and load, median of five.
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("digits-bench-\(getpid())")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("\(preset.rawValue).h5").path
        var saves: [Double] = [], loads: [Double] = []
        for _ in 0..<5 {
            var started = LayerProfiler.now()
            try ModelWriter.save(model, optimizer: nil, to: path)
            saves.append(LayerProfiler.now() - started)
            started = LayerProfiler.now()
            _ = try ModelLoader.load(path)
            loads.append(LayerProfiler.now() - started)
        }
        if layers { LayerReport.record(model: model, training: trainingProfile, inference: inferenceProfile) }
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return BenchResult(
            arch: preset, trainImagesPerSecond: trainingRate, inferImagesPerSecond: inferenceRate,
            latencyMilliseconds: latencies[latencies.count / 2] * 1000, peakRSSMegabytes: Double(usage.ru_maxrss) / 1024,
            h5LoadSeconds: loads.sorted()[2], h5SaveSeconds: saves.sorted()[2],
            trainingFlopsPerImage: model.trainingFlops, inferenceFlopsPerImage: model.forwardFlops,
            peakGigaflops: PeakThroughput.measure(),
            layerKinds: BenchResult.layerKinds(model: model, training: trainingProfile, inference: inferenceProfile),
            backend: MatrixBackend.description)
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

/// One architecture's benchmark figures.
struct BenchResult {
    struct KindTiming {
        let kind: String
        let trainingSeconds: Double
        let trainingFlops: Double
        let inferenceSeconds: Double
        let inferenceFlops: Double
    }

    let arch: Architecture
    let trainImagesPerSecond: Double
    let inferImagesPerSecond: Double
    let latencyMilliseconds: Double
    let peakRSSMegabytes: Double
    let h5LoadSeconds: Double
    let h5SaveSeconds: Double
    let trainingFlopsPerImage: Double
    let inferenceFlopsPerImage: Double
    /// The machine's measured multiply-add peak, GFLOP/s over all cores.
    let peakGigaflops: Double
    let layerKinds: [KindTiming]
    let backend: String

    static let tableHeader = "arch      train img/s  (GFLOP/s)  infer img/s  (GFLOP/s)  latency ms  peak MB  h5 load ms  h5 save ms"

    var tableRow: String {
        func column(_ text: String, _ width: Int) -> String { String(repeating: " ", count: max(0, width - text.count)) + text }
        return arch.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
            + column(describeCount(Int(trainImagesPerSecond)), 13) + column(String(format: "(%.1f)", trainImagesPerSecond * trainingFlopsPerImage / 1e9), 11)
            + column(describeCount(Int(inferImagesPerSecond)), 13) + column(String(format: "(%.1f)", inferImagesPerSecond * inferenceFlopsPerImage / 1e9), 11)
            + column(String(format: "%.3f", latencyMilliseconds), 12) + column(String(format: "%.0f", peakRSSMegabytes), 9)
            + column(String(format: "%.1f", h5LoadSeconds * 1000), 12) + column(String(format: "%.1f", h5SaveSeconds * 1000), 12)
    }

    /// `gigaflops` as a percentage of the machine's measured peak.
    func percentOfPeak(_ gigaflops: Double) -> Double { 100 * gigaflops / max(peakGigaflops, 1e-9) }

    /// Overall training and inference throughput as shares of the machine's peak.
    var peakShareLine: String {
        String(format: "training at %.0f%%, inference at %.0f%% of the %.0f GFLOP/s peak",
               percentOfPeak(trainImagesPerSecond * trainingFlopsPerImage / 1e9),
               percentOfPeak(inferImagesPerSecond * inferenceFlopsPerImage / 1e9), peakGigaflops)
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
        for (index, layer) in model.layers.enumerated() {
            let kind = layer.className
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

    var json: JSONValue {
        .object(JSONObject([
            ("arch", .string(arch.rawValue)), ("train_images_per_s", .double(trainImagesPerSecond.rounded())),
            ("infer_images_per_s", .double(inferImagesPerSecond.rounded())), ("latency_ms", .double(latencyMilliseconds)),
            ("peak_rss_mb", .double(peakRSSMegabytes.rounded())), ("h5_load_s", .double(h5LoadSeconds)), ("h5_save_s", .double(h5SaveSeconds)),
            ("train_gflops", .double(trainImagesPerSecond * trainingFlopsPerImage / 1e9)),
            ("infer_gflops", .double(inferImagesPerSecond * inferenceFlopsPerImage / 1e9)),
            ("peak_gflops", .double(peakGigaflops)),
            ("layer_kinds", .array(layerKinds.map { kind in
                .object(JSONObject([("kind", .string(kind.kind)), ("training_s", .double(kind.trainingSeconds)),
                                    ("training_flops", .double(kind.trainingFlops)), ("inference_s", .double(kind.inferenceSeconds)),
                                    ("inference_flops", .double(kind.inferenceFlops))]))
            })),
            ("matrix_backend", .string(backend)),
        ]))
    }

    init(arch: Architecture, trainImagesPerSecond: Double, inferImagesPerSecond: Double, latencyMilliseconds: Double,
         peakRSSMegabytes: Double, h5LoadSeconds: Double, h5SaveSeconds: Double, trainingFlopsPerImage: Double,
         inferenceFlopsPerImage: Double, peakGigaflops: Double, layerKinds: [KindTiming], backend: String) {
        self.arch = arch
        self.trainImagesPerSecond = trainImagesPerSecond
        self.inferImagesPerSecond = inferImagesPerSecond
        self.latencyMilliseconds = latencyMilliseconds
        self.peakRSSMegabytes = peakRSSMegabytes
        self.h5LoadSeconds = h5LoadSeconds
        self.h5SaveSeconds = h5SaveSeconds
        self.trainingFlopsPerImage = trainingFlopsPerImage
        self.inferenceFlopsPerImage = inferenceFlopsPerImage
        self.peakGigaflops = peakGigaflops
        self.layerKinds = layerKinds
        self.backend = backend
    }

    /// Reads back the JSON a `bench --arch A --json` child printed.
    init(json: JSONValue) throws {
        guard let name = json["arch"]?.stringValue, let arch = Architecture(rawValue: name) else {
            throw ValidationError("unreadable benchmark result")
        }
        func number(_ key: String) -> Double { json[key]?.doubleValue ?? 0 }
        let train = number("train_images_per_s"), infer = number("infer_images_per_s")
        self.init(arch: arch, trainImagesPerSecond: train, inferImagesPerSecond: infer, latencyMilliseconds: number("latency_ms"),
                  peakRSSMegabytes: number("peak_rss_mb"), h5LoadSeconds: number("h5_load_s"), h5SaveSeconds: number("h5_save_s"),
                  trainingFlopsPerImage: train > 0 ? number("train_gflops") * 1e9 / train : 0,
                  inferenceFlopsPerImage: infer > 0 ? number("infer_gflops") * 1e9 / infer : 0,
                  peakGigaflops: number("peak_gflops"),
                  layerKinds: (json["layer_kinds"]?.arrayValue ?? []).map { kind in
                      KindTiming(kind: kind["kind"]?.stringValue ?? "?", trainingSeconds: kind["training_s"]?.doubleValue ?? 0,
                                 trainingFlops: kind["training_flops"]?.doubleValue ?? 0,
                                 inferenceSeconds: kind["inference_s"]?.doubleValue ?? 0,
                                 inferenceFlops: kind["inference_flops"]?.doubleValue ?? 0)
                  },
                  backend: json["matrix_backend"]?.stringValue ?? "")
    }
}

/// The per-layer breakdown `bench --layers` prints.
enum LayerReport {
    nonisolated(unsafe) static var lines: [String] = []

    static func record(model: Model, training: LayerProfiler, inference: LayerProfiler) {
        let trainingTotal = training.forwardSeconds.reduce(0, +) + training.backwardSeconds.reduce(0, +)
        let inferenceTotal = inference.forwardSeconds.reduce(0, +)
        lines = ["layer                 training: forward  backward   inference: forward"]
        for (index, layer) in model.layers.enumerated() {
            func share(_ seconds: Double, _ total: Double) -> String { String(format: "%5.1f%%", 100 * seconds / max(total, 1e-12)) }
            lines.append("  \(layer.name.padding(toLength: 20, withPad: " ", startingAt: 0))  "
                         + "\(share(training.forwardSeconds[index], trainingTotal))    \(share(training.backwardSeconds[index], trainingTotal))"
                         + "          \(share(inference.forwardSeconds[index], inferenceTotal))")
        }
    }
}
