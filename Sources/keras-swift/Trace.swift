import ArgumentParser
import Foundation
import MNIST
import NeuralNet
import NumPy

/// `keras-swift trace`: every layer's output for a few samples, written as `.npz` and compared with Keras's.
struct Trace: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run a model on a few samples and show, write or compare every layer's output.",
        discussion: """
            Each layer call's output is kept under the layer's name (NAME:CALL for a shared layer's later calls, \
            #TENSOR after it for a recurrent layer's returned states), in the order the layers run. --output \
            writes them to an .npz, each of shape (n, ...the layer's output shape).

            --reference compares them with the same from Keras, written by tools/keras_trace.py on the same \
            samples:

              python tools/keras_trace.py model.keras --x x.npy --first 16 --output keras.npz
              keras-swift trace model.keras --x x.npy --first 16 --reference keras.npz

            Each layer shows its largest absolute difference and that difference relative to the reference's \
            largest value; the first layer past --tolerance (on the relative figure) is named, and the exit \
            status is then 1. A convolution and the BatchNormalization (and activation) folded into it at \
            inference are traced together, under the last of them. Layers inside a nested model are compared \
            one by one, when the reference has them.
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var arrays: ArrayOptions

    @Option(help: "Trace the first N samples of --x (or of MNIST's test images).")
    var first = 16

    @Option(help: ArgumentHelp("Write every layer's output to this .npz.", valueName: "file.npz"))
    var output: String?

    @Option(help: ArgumentHelp("Compare with Keras's outputs of the same layers in this .npz (tools/keras_trace.py).", valueName: "file.npz"))
    var reference: String?

    @Option(help: "The largest difference relative to a layer's largest reference value that still agrees.")
    var tolerance = 1e-5

    func validate() throws {
        if first <= 0 { throw ValidationError("--first must be positive") }
        if !arrays.targetFiles.isEmpty { throw ValidationError("trace takes no targets (--y)") }
        if !(tolerance >= 0) { throw ValidationError("--tolerance must be 0 or more") }
    }

    func run() throws {
        let loaded = try model.load(inputShapes: arrays.sampleShapes)
        let network = loaded.model
        let samples: SampleSource
        if arrays.given {
            let all = try arrays.samples(for: network, targets: false)
            samples = all.slice(0..<min(first, all.count))
        } else {
            try ModelOptions.requireDigitModel(network, file: model.file)
            let test = try MNIST.loadTest(from: try dataOptions.location())
            let count = min(first, test.count)
            samples = try network.samples(inputs: [Tensor(shape: [count] + network.inputShape,
                                                          scalars: try model.preprocessing(for: loaded).inputs(test.prefix(count)))])
        }
        let traced = try arrays.reading { try network.trace(samples) }
        if let output {
            try NumpyArchive.write(try traced.filter { $0.foldedInto == nil }.map { ($0.key, try NumpyArray(shape: [samples.count] + $0.shape, float32: $0.values)) },
                                   to: output)
            print("wrote \(traced.filter { $0.foldedInto == nil }.count) layer outputs of \(samples.count) samples to \(output)")
        }
        guard let reference else {
            for layer in traced { print(row(layer, samples: samples.count, figures: layer.foldedInto == nil ? Self.range(layer.values) : nil)) }
            return
        }
        let expected = Dictionary(try NumpyArchive.read(reference).map { ($0.name, $0.array) }, uniquingKeysWith: { a, _ in a })
        var firstPast: (TracedOutput, Double, Double)?
        for layer in traced {
            guard layer.foldedInto == nil, let array = expected[layer.key] else {
                print(row(layer, samples: samples.count, figures: layer.foldedInto == nil ? "not in the reference" : nil))
                continue
            }
            guard array.shape.count == layer.shape.count + 1, Array(array.shape.dropFirst()) == layer.shape, array.shape[0] >= samples.count else {
                throw ToolError.unusableData(file: reference, reason: "\(layer.key) has shape \(describeShape(array.shape)); the model's layer gives "
                                             + "\(describeShape([samples.count] + layer.shape)) for the \(samples.count) samples traced")
            }
            let values = Array(array.floats().prefix(layer.values.count))
            let (absolute, relative) = Self.difference(layer.values, values)
            print(row(layer, samples: samples.count, figures: String(format: "max |difference| %.2e, relative %.2e", absolute, relative)
                      + (relative > tolerance ? "  past \(tolerance)" : "")))
            if relative > tolerance, firstPast == nil { firstPast = (layer, absolute, relative) }
        }
        guard let (layer, absolute, relative) = firstPast else {
            print("every layer within \(tolerance) of the reference")
            return
        }
        print(String(format: "first layer past %g: %@ (max |difference| %.2e, relative %.2e)", tolerance, layer.key, absolute, relative))
        throw ExitCode(1)
    }

    /// One line of the table: the key, the shape, and the figures (or where the layer was folded).
    private func row(_ layer: TracedOutput, samples: Int, figures: String?) -> String {
        let name = layer.key.padding(toLength: max(24, layer.key.count), withPad: " ", startingAt: 0)
        let shape = describeShape(layer.shape, batch: true).padding(toLength: 18, withPad: " ", startingAt: 0)
        return "\(name) \(shape) " + (figures ?? "folded into \(layer.foldedInto ?? "")")
    }

    /// The smallest, largest and mean value.
    private static func range(_ values: [Float]) -> String {
        guard let low = values.min(), let high = values.max() else { return "no values" }
        let mean = values.reduce(0) { $0 + Double($1) } / Double(values.count)
        return String(format: "min %.4g, max %.4g, mean %.4g", low, high, mean)
    }

    /// The largest absolute difference, and that over the reference's largest magnitude (the absolute figure
    /// for a reference of zeros); NaN where one side has NaN and the other not counts as infinite.
    private static func difference(_ ours: [Float], _ reference: [Float]) -> (Double, Double) {
        var largest = 0.0, scale = 0.0
        for (a, b) in zip(ours, reference) {
            let gap = a.isNaN || b.isNaN ? (a.isNaN && b.isNaN ? 0 : .infinity) : abs(Double(a) - Double(b))
            largest = max(largest, gap)
            if b.isFinite { scale = max(scale, abs(Double(b))) }
        }
        return (largest, scale > 0 ? largest / scale : largest)
    }
}
