import ArgumentParser
import NeuralNet
import NumPy

/// The user's own arrays, instead of MNIST: `--x` for the input, `--y` for each output's targets.
struct ArrayOptions: ParsableArguments {
    @Option(name: .customLong("x"), help: ArgumentHelp(
        "The input samples instead of MNIST: a .npy of shape (n, ...the model's input shape) of any numeric dtype, or a .npz holding one array.",
        valueName: "file"))
    var inputFiles: [String] = []

    @Option(name: .customLong("y"), help: ArgumentHelp(
        "The targets: a .npy per output in the model's order (class indices for sparse categorical cross-entropy, else the output's shape), or one .npz of arrays named after the outputs.",
        valueName: "file"))
    var targetFiles: [String] = []

    /// Whether arrays replace MNIST.
    var given: Bool { !inputFiles.isEmpty }

    func validate() throws {
        if inputFiles.count > 1 { throw ValidationError("give one --x: the model takes one input") }
        if !targetFiles.isEmpty && inputFiles.isEmpty { throw ValidationError("--y needs --x") }
    }

    /// The samples for `model`: the input, and the targets when `targets` (refused when `--y` is missing).
    func samples(for model: Model, targets: Bool) throws -> Samples {
        let input = try Self.arrays(inputFiles[0], names: nil, what: "--x").first!.1
        var outputs: [NumpyArray] = []
        if targets {
            if targetFiles.count == 1, targetFiles[0].lowercased().hasSuffix(".npz") {
                outputs = try Self.arrays(targetFiles[0], names: model.outputNames, what: "--y").map(\.1)
            } else {
                guard targetFiles.count == model.outputs.count else {
                    throw UnusableData(file: targetFiles.joined(separator: ", "), reason: "\(targetFiles.count) --y files for a model with "
                                       + "\(model.outputs.count) outputs (\(model.outputNames.joined(separator: ", "))), in that order")
                }
                outputs = try targetFiles.map { try Self.arrays($0, names: nil, what: "--y").first!.1 }
            }
        }
        do {
            return try model.samples(inputs: [try Tensor(input)], targets: try outputs.map(Tensor.init))
        } catch let error as ModelError {
            throw UnusableData(file: ([inputFiles[0]] + (targets ? targetFiles : [])).joined(separator: ", "), reason: "\(error)")
        }
    }

    /// The arrays of a `.npy` (one) or a `.npz`: those named `names` in that order, or its only array.
    private static func arrays(_ path: String, names: [String]?, what: String) throws -> [(String, NumpyArray)] {
        guard path.lowercased().hasSuffix(".npz") else { return [("", try NumpyArray.read(path))] }
        let arrays = try NumpyArchive.read(path)
        guard let names, !(names.count == 1 && arrays.count == 1) else {
            guard arrays.count == 1 else {
                throw UnusableData(file: path, reason: "\(what) needs one array; the archive holds \(arrays.map(\.name).joined(separator: ", "))")
            }
            return arrays.map { ($0.name, $0.array) }
        }
        return try names.map { name in
            guard let array = arrays.first(where: { $0.name == name }) else {
                throw UnusableData(file: path, reason: "no array named \(name) (the model's outputs are \(names.joined(separator: ", ")); "
                                   + "the archive holds \(arrays.map(\.name).joined(separator: ", ")))")
            }
            return (name, array.array)
        }
    }
}

/// Arrays that do not suit the model (exit 1, one line naming the files).
struct UnusableData: Error, CustomStringConvertible {
    let file: String
    let reason: String
    var description: String { "\(file): \(reason)" }
}

extension Tensor {
    /// A NumPy array's values as float32.
    init(_ array: NumpyArray) throws { try self.init(shape: array.shape, scalars: array.floats()) }
}
