import Foundation
import MNIST
import NeuralNet

/// `predict --image DIR`: the outputs of a model that are images ((height, width, 1, 3 or 4) per sample) written
/// as one PNG per sample, grey, RGB or RGBA. Values map linearly from a range to 0...255 and are clipped: the
/// range `--image-range` gives, else the one the output's activation implies (sigmoid 0...1, tanh -1...1,
/// relu6 0...6), else 0...1 with a note of how many values fell outside.
struct OutputImages {
    /// The values shown as black and white, when the user chose them.
    let range: ClosedRange<Float>?

    /// Reads `--image-range LOW,HIGH`; nil when it is not two numbers with LOW below HIGH.
    static func range(_ text: String) -> ClosedRange<Float>? {
        let parts = text.split(separator: ",").compactMap { Float($0.trimmingCharacters(in: .whitespaces)) }
        guard parts.count == 2, parts[0].isFinite, parts[1].isFinite, parts[0] < parts[1] else { return nil }
        return parts[0]...parts[1]
    }

    /// The outputs of `model` that are images.
    static func imageOutputs(of model: Model) -> [Int] {
        model.outputShapes.indices.filter { model.outputShapes[$0].count == 3 && [1, 3, 4].contains(model.outputShapes[$0][2]) }
    }

    /// Refuses a model with no image output, before anything is computed or written.
    static func requireImageOutput(of model: Model, file: String) throws {
        guard imageOutputs(of: model).isEmpty else { return }
        let shapes = model.outputShapes.map { describeShape($0, batch: true) }.joined(separator: ", ")
        throw ToolError.unusableModel(file: file, reason: "--image needs an output of (height, width, 1, 3 or 4) per sample; the model gives \(shapes)")
    }

    /// Writes each image output of `samples` samples into `folder` (made if missing): `N.png` for sample N of a
    /// model with one image output, `NAME-N.png` per output NAME otherwise, N zero-padded alike. Reports each
    /// output's files, and a note where an unbounded activation's values were clipped.
    func write(_ outputs: [[Float]], of model: Model, samples: Int, to folder: String) throws {
        let images = Self.imageOutputs(of: model)
        try makeFolder(folder)
        let digits = String(max(0, samples - 1)).count
        for output in images {
            let shape = model.outputShapes[output], (height, width, channels) = (shape[0], shape[1], shape[2])
            let activation = model.outputActivation(output)
            let shown = range ?? activation?.bounds ?? 0...1
            let scale = 255 / (shown.upperBound - shown.lowerBound), size = height * width * channels
            var clipped = 0
            let prefix = images.count > 1 ? model.outputNames[output] + "-" : ""
            for sample in 0..<samples {
                let pixels = outputs[output][sample * size..<(sample + 1) * size].map { value -> UInt8 in
                    let level = ((value - shown.lowerBound) * scale).rounded()
                    guard level >= 0, level <= 255 else {
                        clipped += 1
                        return level > 255 ? 255 : 0
                    }
                    return UInt8(level)
                }
                let number = String(sample), name = prefix + String(repeating: "0", count: digits - number.count) + number + ".png"
                try PNGFile.write(pixels, width: width, height: height, channels: channels, to: (folder as NSString).appendingPathComponent(name))
            }
            let kind = ["grey", "", "RGB", "RGBA"][channels - 1]
            print("wrote \(describeCount(samples)) \(width)x\(height) \(kind) PNG images of output \(model.outputNames[output]) to \(folder)/")
            if range == nil, activation?.bounds == nil, clipped > 0 {
                note("note: output \(model.outputNames[output]) ends in \(activation?.rawValue ?? "no activation"), not bounded: 0...1 was shown as black to white and \(describeCount(clipped)) values outside it were clipped; --image-range LOW,HIGH chooses the range")
            }
        }
    }

    /// Creates `folder` and its parents unless it is already a folder.
    private func makeFolder(_ folder: String) throws {
        var isFolder: ObjCBool = false
        if FileManager.default.fileExists(atPath: folder, isDirectory: &isFolder) {
            guard isFolder.boolValue else { throw ToolError.unusableData(file: folder, reason: "is a file; --image needs a folder") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        } catch {
            throw ToolError.unusableData(file: folder, reason: "cannot create the folder (\(error.localizedDescription))")
        }
    }
}
