import SafeWrite
import ArgumentParser
import Foundation
import KerasFormat
import MNIST
import NeuralNet

/// `digits predict`: class probabilities for an MNIST test image, an image file, or the first N test images.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Print the ten class probabilities and the predicted digit, or write probabilities as .npy.",
        discussion: """
            Give exactly one of: an IMAGE file (PNG or PGM, grayscale or colour, any size; scaled to 28x28, \
            and inverted when it is a dark digit on light paper), --index N (MNIST test image N), or \
            --first N with --output FILE.npy (an N x 10 float32 array, like Keras's model.predict).
            """)

    @OptionGroup var model: ModelOptions
    @OptionGroup var dataOptions: DataOptions

    @Argument(help: "A PNG or PGM image of one digit.")
    var image: String?

    @Option(help: "Predict MNIST test image number N (0-based).")
    var index: Int?

    @Option(help: "Predict the first N test images (needs --output).")
    var first: Int?

    @Option(help: "Where --first writes its N x 10 float32 probabilities (.npy).")
    var output: String?

    func validate() throws {
        let chosen = [image != nil, index != nil, first != nil].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("give exactly one of IMAGE, --index N or --first N") }
        if first != nil, output == nil { throw ValidationError("--first needs --output FILE.npy") }
        if let first, first <= 0 { throw ValidationError("--first must be positive") }
        if let index, index < 0 { throw ValidationError("--index must not be negative") }
    }

    func run() throws {
        let loaded = try model.load()
        let preprocessing = try model.preprocessing(for: loaded)
        if let image {
            let (picture, inverted) = try DigitImageFile.load(image)
            if inverted { note("note: \(image) looks like a dark digit on light paper; inverted it to MNIST's white on black") }
            show(loaded.model.predict(preprocessing.apply(picture).samples), title: "\(image):", label: nil)
            return
        }
        let test = try MNIST.loadTest(from: try dataOptions.location())
        if let index {
            guard index < test.count else { throw ValidationError("--index \(index) is past the last test image (\(test.count - 1))") }
            let one = preprocessing.apply(test).slice(index..<index + 1)
            show(loaded.model.predict(one.samples), title: "test image \(index):", label: Int(one.labels[0]))
            return
        }
        if let first, let output {
            let count = min(first, test.count)
            let data = preprocessing.apply(test.prefix(count))
            let probabilities = loaded.model.predict(data.samples)
            try AtomicFile.write(NumpyArray.float32File(shape: [count, loaded.model.outputSize], values: probabilities), to: output)
            print("wrote \(count) x \(loaded.model.outputSize) float32 probabilities to \(output)")
        }
    }

    private func show(_ probabilities: [Float], title: String, label: Int?) {
        print(title)
        let best = probabilities.indices.max { probabilities[$0] < probabilities[$1] } ?? 0
        for (digit, p) in probabilities.enumerated() {
            let bar = String(repeating: "#", count: Int((p * 40).rounded()))
            print("  \(digit)  \(fixed(Double(p)))  \(bar)")
        }
        var verdict = "predicted digit: \(best) (probability \(fixed(Double(probabilities[best]))))"
        if let label { verdict += label == best ? ", correct" : ", but the label is \(label)" }
        print(verdict)
    }
}
