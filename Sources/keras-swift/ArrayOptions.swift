import ArgumentParser
import KerasSwift
import NeuralNet
import NumPy

/// The user's own arrays, instead of MNIST: `--x` for each input, `--y` for each output's targets.
struct ArrayOptions: ParsableArguments {
    @Option(name: .customLong("x"), help: ArgumentHelp(
        "The input samples instead of MNIST: a .npy per input in the model's order, of shape (n, ...that input's shape) and any numeric dtype, or one .npz of arrays named after the inputs.",
        valueName: "file"))
    var inputFiles: [String] = []

    @Option(name: .customLong("y"), help: ArgumentHelp(
        "The targets: a .npy per output in the model's order (class indices for sparse categorical cross-entropy, else the output's shape), or one .npz of arrays named after the outputs.",
        valueName: "file"))
    var targetFiles: [String] = []

    /// Whether arrays replace MNIST.
    var given: Bool { !inputFiles.isEmpty }

    /// The per-sample shape of each `--x` array, for a model whose inputs leave axes open; nil without `.npy`
    /// inputs (their headers are read, not their data) or when one cannot be read (reading the data reports it).
    var sampleShapes: [[Int]]? {
        guard given, !inputFiles.contains(where: { $0.lowercased().hasSuffix(".npz") }) else { return nil }
        return try? inputFiles.map { Array(try MappedNumpyArray($0).shape.dropFirst()) }
    }

    func validate() throws {
        if !targetFiles.isEmpty && inputFiles.isEmpty { throw ValidationError("--y needs --x") }
    }

    /// The samples for `model`: its inputs, and the targets when `targets` (refused when `--y` is missing).
    /// `.npy` files are mapped and read batch by batch as the model runs (``NumpySource``); the arrays of a
    /// `.npz` are read whole.
    func samples(for model: Model, targets: Bool) throws -> SampleSource {
        let files = inputFiles + (targets ? targetFiles : [])
        do {
            if !files.contains(where: { $0.lowercased().hasSuffix(".npz") }), inputFiles.count == model.inputs.count,
               !targets || targetFiles.count == model.outputs.count {
                let source = try NumpySource(inputs: inputFiles, targets: targets ? targetFiles : [])
                try model.checkShapes(inputs: source.inputs.map(\.shape), targets: source.targets.map(\.shape))
                return source
            }
            let inputs = try Self.arrays(inputFiles, names: model.inputNames, flag: "--x", what: "inputs")
            let outputs = targets ? try Self.arrays(targetFiles, names: model.outputNames, flag: "--y", what: "outputs") : []
            return try model.samples(inputs: try inputs.map(Tensor.init), targets: try outputs.map(Tensor.init))
        } catch let error as ModelError {
            throw ToolError.unusableData(file: files.joined(separator: ", "), reason: "\(error)")
        }
    }

    /// `body`'s result, a refusal of the arrays' values (read as the model runs) naming the files.
    func reading<Result>(_ body: () throws -> Result) throws -> Result {
        do {
            return try body()
        } catch let error as ModelError where given {
            throw ToolError.unusableData(file: (inputFiles + targetFiles).joined(separator: ", "), reason: "\(error)")
        }
    }

    /// One array per name from `files`: a `.npy` per name in order, or one `.npz` whose arrays are so named (or
    /// holding one array, for one name).
    private static func arrays(_ files: [String], names: [String], flag: String, what: String) throws -> [NumpyArray] {
        if files.count == 1, files[0].lowercased().hasSuffix(".npz") {
            return try arrays(files[0], names: names, what: flag).map(\.1)
        }
        guard files.count == names.count else {
            throw ToolError.unusableData(file: files.joined(separator: ", "), reason: "\(files.count) \(flag) files for a model with \(names.count) "
                               + "\(what) (\(names.joined(separator: ", "))), in that order")
        }
        return try files.map { try arrays($0, names: nil, what: flag).first!.1 }
    }

    /// The arrays of a `.npy` (one) or a `.npz`: those named `names` in that order, or its only array.
    private static func arrays(_ path: String, names: [String]?, what: String) throws -> [(String, NumpyArray)] {
        guard path.lowercased().hasSuffix(".npz") else { return [("", try NumpyArray.read(path))] }
        let arrays = try NumpyArchive.read(path)
        guard let names, !(names.count == 1 && arrays.count == 1) else {
            guard arrays.count == 1 else {
                throw ToolError.unusableData(file: path, reason: "\(what) needs one array; the archive holds \(arrays.map(\.name).joined(separator: ", "))")
            }
            return arrays.map { ($0.name, $0.array) }
        }
        return try names.map { name in
            guard let array = arrays.first(where: { $0.name == name }) else {
                throw ToolError.unusableData(file: path, reason: "no array named \(name) (the model's \(what == "--x" ? "inputs" : "outputs") are \(names.joined(separator: ", ")); "
                                   + "the archive holds \(arrays.map(\.name).joined(separator: ", ")))")
            }
            return (name, array.array)
        }
    }
}

extension Tensor {
    /// A NumPy array's values as float32.
    init(_ array: NumpyArray) throws { try self.init(shape: array.shape, scalars: array.floats()) }
}
