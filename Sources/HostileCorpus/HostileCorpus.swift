import Architectures
import Foundation
import HDF5
import KerasFormat
import NeuralNet
import ZIPFoundation

/// Writes damaged and hostile model files and configs, each with what every tool use must do with it:
/// refuse it (exit status 1, one line naming the file and containing a fragment, nothing written) or accept
/// it (exit status 0; a training run ends with finite weights).
///
/// Byte-level cases are cut or flipped copies of the real notebook files, made at run time (never committed);
/// structural cases are small files written through this project's own HDF5 and Keras writers. They come in
/// classes, each in a file of its own: damaged files and weights (here), training state (optimizer, losses,
/// statistics), layer configs and graphs, archives and HDF5 storage.
public enum HostileCorpus {
    /// A way the tools use a file.
    public enum Use: String, Sendable, CaseIterable {
        /// `keras-swift evaluate FILE`: the model and its loss.
        case evaluate
        /// `keras-swift predict FILE`: the model alone.
        case predict
        /// `keras-swift convert FILE OUT`: everything, optimizer state included.
        case convert
        /// `keras-swift train --resume FILE`: the model, its loss and its optimizer state, then a training step.
        case resume
        /// `keras-swift train --model FILE.json`: a model config built afresh, then a training step.
        case trainConfig
    }

    /// What a use must do with a file.
    public enum Outcome: Sendable, Equatable {
        /// Exit status 1 and one line naming the file that contains this fragment (any, when empty).
        case refused(String)
        /// Exit status 0 and, for a conversion or training, the output written.
        case accepted
    }

    /// One hostile file and what the tools must do with it (`h5tool dump` may accept or refuse any of them,
    /// but never crashes).
    public struct Case: Sendable {
        /// A short name for test output.
        public let name: String
        /// Where the file was written.
        public let path: String
        /// What each use named must do.
        public let outcomes: [Use: Outcome]
        /// Whether the file is a weights-only LeNet-5, which `--arch lenet5` gives a model.
        public var isLeNetWeights: Bool { name.hasSuffix(".weights.h5") && !name.hasPrefix("unrecognisable") }
    }

    /// Collects cases as they are written.
    struct Writer {
        let folder: String
        private(set) var cases: [Case] = []

        /// Writes the case `name` through `write(path)`, with the outcomes of each use.
        mutating func add(_ name: String, _ outcomes: [Use: Outcome], _ write: (String) throws -> Void) throws {
            let path = folder + "/" + name
            try write(path)
            cases.append(Case(name: name, path: path, outcomes: outcomes))
        }

        /// A file every model use refuses, naming `expected`.
        mutating func add(_ name: String, _ expected: String, _ write: (String) throws -> Void) throws {
            try add(name, [.evaluate: .refused(expected), .predict: .refused(expected), .convert: .refused(expected)], write)
        }
    }

    /// Writes every case into `folder`; `references` is the folder of the real notebook files.
    public static func write(into folder: String, references: String) throws -> [Case] {
        var writer = Writer(folder: folder)
        try writeDamagedFiles(&writer, references: references)
        try TrainingStateCases.write(&writer)
        try LayerConfigCases.write(&writer)
        try StorageCases.write(&writer)
        return writer.cases
    }

    /// Truncated and flipped copies of the real files, weights that do not fit, configs Keras never writes,
    /// and archives that leave their folder or hide a bomb.
    private static func writeDamagedFiles(_ writer: inout Writer, references: String) throws {
        func add(_ name: String, _ expected: String, _ write: (String) throws -> Void) throws {
            try writer.add(name, expected, write)
        }
        let lenet = [UInt8](try Data(contentsOf: URL(fileURLWithPath: references + "/LeNet5.h5")))
        let weights = [UInt8](try Data(contentsOf: URL(fileURLWithPath: references + "/LeNet5.weights.h5")))
        let convnet = [UInt8](try Data(contentsOf: URL(fileURLWithPath: references + "/MNIST-numbers-cnn.h5")))

        // Truncations at many offsets (the superblock, object headers, the middle of the weights, the end).
        for (base, bytes) in [("LeNet5", lenet), ("LeNet5-weights", weights), ("convnet", convnet)] {
            for fraction in [0.0001, 0.003, 0.01, 0.1, 0.5, 0.9, 0.999] {
                let cut = max(1, Int(Double(bytes.count) * fraction))
                try add("\(base)-truncated-\(cut).h5", "truncated") { try Data(bytes.prefix(cut)).write(to: URL(fileURLWithPath: $0)) }
            }
        }
        try add("empty.h5", "not an HDF5 file") { try Data().write(to: URL(fileURLWithPath: $0)) }
        try add("text.h5", "not an HDF5 file") { try Data("weights: none\n".utf8).write(to: URL(fileURLWithPath: $0)) }
        // Flipped bytes in the superblock: its signature, version and the addresses it holds.
        for offset in [0, 3, 8, 24, 40, 48] {
            try add("LeNet5-flipped-\(offset).h5", "") { path in  // any clear message will do
                var copy = lenet
                copy[offset] ^= 0xff
                try Data(copy).write(to: URL(fileURLWithPath: path))
            }
        }

        // Structural cases: a small LeNet-5 weights file with one thing wrong.
        let model = try Architecture.lenet5.makeModel(seed: 3)
        try add("wrong-kernel-shape.weights.h5", "shape mismatch for layer dense kernel: expected (400, 120), found (400, 121)") { path in
            try lenetWeights(model, at: path) { name, index, shape in name == "dense" && index == 0 ? [400, 121] : shape }
        }
        try add("missing-layer.weights.h5", "layer dense_1 expects 2 variables, the file has none") { path in
            try lenetWeights(model, at: path, skip: "dense_1")
        }
        try add("extra-layer.weights.h5", "holds weights for a layer the model does not have") { path in
            try lenetWeights(model, at: path)
            try File.open(path, mode: .readWrite).root.createDataset("layers/dense_9/vars/0", shape: [2], values: [Float(1), 2])
        }
        try add("integer-weights.weights.h5", "weights must be floats") { path in
            try lenetWeights(model, at: path)
            try replaceDataset(in: path, at: "layers/dense_2/vars/1", with: [Int32](repeating: 1, count: 10), shape: [10])
        }
        try add("text-weights.weights.h5", "weights must be floats") { path in
            try lenetWeights(model, at: path)
            try replaceWithStrings(in: path, at: "layers/dense_2/vars/1")
        }
        try add("unrecognisable.weights.h5", "match none of the presets") { path in
            try lenetWeights(model, at: path) { name, index, shape in name == "conv2d" && index == 0 ? [3, 3, 1, 6] : shape }
        }
        try add("soft-link-weights.weights.h5", "links are not followed") { path in
            try lenetWeights(model, at: path, skip: "dense_2")
            let root = try File.open(path, mode: .readWrite).root
            try root.createGroup("layers/dense_2/vars")
            try root.group("layers/dense_2/vars").createSoftLink("0", target: "/layers/dense_1/vars/0")
            try root.group("layers/dense_2/vars").createSoftLink("1", target: "/layers/dense_1/vars/1")
        }
        try add("external-link-weights.weights.h5", "links are not followed") { path in
            try lenetWeights(model, at: path, skip: "dense_2")
            let root = try File.open(path, mode: .readWrite).root
            try root.createGroup("layers/dense_2/vars")
            try root.group("layers/dense_2/vars").createExternalLink("0", file: "/etc/passwd", object: "/x")
            try root.group("layers/dense_2/vars").createExternalLink("1", file: "/etc/passwd", object: "/y")
        }
        // Groups nested in a layer's, each linked 40 times from the one above and the last back to the layer:
        // 40^4 paths to walk if links were followed blindly. Keras would find nothing to load there either.
        try writer.add("nested-link-maze.weights.h5", [.evaluate: .accepted, .predict: .accepted, .convert: .accepted]) { path in
            try lenetWeights(model, at: path)
            let layer = try File.open(path, mode: .readWrite).root.group("layers/dense")
            for level in 1...4 { try layer.createGroup("maze/g\(level)") }
            for level in 0..<4 {
                let group = try layer.group(level == 0 ? "maze" : "maze/g\(level)")
                for copy in 0..<40 { try group.createHardLink("link\(copy)", target: "/layers/dense/maze/g\(level + 1)") }
            }
            try layer.group("maze/g4").createHardLink("back", target: "/layers/dense")
        }
        try add("compression-bomb.weights.h5", "found (65536, 65536)") { path in
            try lenetWeights(model, at: path)
            // A chunked, compressed dataset declaring 2^32 values with almost nothing stored: refused on its
            // shape before anything is read (h5tool dump --values refuses to expand it).
            try File.open(path, mode: .readWrite).root.removeLink("layers/dense_2/vars/0")
            try File.open(path, mode: .readWrite).root.createUnwrittenDataset(
                "layers/dense_2/vars/0", shape: [65536, 65536], options: DatasetOptions(chunks: [1024, 1024], gzipLevel: 9))
        }
        try add("huge-dense-layer.h5", "units must be a positive integer") { path in
            try legacyWithConfig(model, at: path) { $0.replacingOccurrences(of: "\"units\": 120", with: "\"units\": 1200000000") }
        }

        // Legacy files whose model_config is wrong.
        try add("unknown-layer-class.h5", "unknown layer class ConvLSTM2D") { path in
            try legacyWithConfig(model, at: path) { $0.replacingOccurrences(of: "\"class_name\": \"Flatten\"", with: "\"class_name\": \"ConvLSTM2D\"") }
        }
        try add("unsupported-activation.h5", "unsupported activation 'sparsemax'") { path in
            try legacyWithConfig(model, at: path) { $0.replacingOccurrences(of: "\"activation\": \"tanh\"", with: "\"activation\": \"sparsemax\"") }
        }
        try add("unknown-model-class.h5", "only Sequential and Functional models are supported") { path in
            try legacyWithConfig(model, at: path) { $0.replacingOccurrences(of: "\"class_name\": \"Sequential\"", with: "\"class_name\": \"Estimator\"") }
        }
        try add("functional-without-input.h5", "0 inputs (1 to 16 are supported)") { path in
            try legacyWithConfig(model, at: path) { $0.replacingOccurrences(of: "\"class_name\": \"Sequential\"", with: "\"class_name\": \"Functional\"") }
        }
        // Class names as the layers spell them (a Keras class name is written only by its layer and its codec).
        let dense = Dense(units: 1).className, flatten = Flatten().className, addition = Merge.Kind.add.rawValue
        try add("functional-cycle.h5", "takes its input from itself through a cycle") { path in
            try legacyWithConfig(model, at: path) { _ in
                functionalConfig([(dense, "a", #""units": 4"#, [["b"]]), (dense, "b", #""units": 4"#, [["a"]])])
            }
        }
        try add("functional-unknown-inbound.h5", "takes its input from nowhere, which no layer of the model is") { path in
            try legacyWithConfig(model, at: path) { _ in
                functionalConfig([(flatten, "f", "", [["in"]]), (dense, "d", #""units": 4"#, [["nowhere"]])])
            }
        }
        try add("functional-mismatched-add.h5", "Add needs inputs of one shape") { path in
            try legacyWithConfig(model, at: path) { _ in
                functionalConfig([(flatten, "f", "", [["in"]]), (dense, "d", #""units": 4"#, [["f"]]), (addition, "add", "", [["f", "d"]])])
            }
        }
        try add("functional-shared-missing-call.h5", "takes call 2 of d, which is called 2 times") { path in
            try legacyWithConfig(model, at: path) { _ in
                functionalConfig([(flatten, "f", "", [["in"]]), (dense, "d", #""units": 784"#, [["f"], ["d"]]), (dense, "e", #""units": 4"#, [["d:2"]])])
            }
        }
        try add("functional-shared-two-shapes.h5", "is called on (None, 4) after (None, 784)") { path in
            try legacyWithConfig(model, at: path) { _ in
                functionalConfig([(flatten, "f", "", [["in"]]), (dense, "d", #""units": 4"#, [["f"], ["d"]]), (dense, "e", #""units": 4"#, [["d:1"]])])
            }
        }
        try add("nested-model-two-outputs.h5", "a nested model with 2 outputs is not supported") { path in
            try legacyWithConfig(model, at: path) { _ in
                let inner = #""layers": [{"class_name": "\#(dense)", "name": "a", "config": {"name": "a", "units": 4}, "inbound_nodes": "#
                    + #"[[["i", 0, 0, {}]]]}], "input_layers": [["i", 0, 0]], "output_layers": [["a", 0, 0], ["a", 0, 0]]"#
                return functionalConfig([(flatten, "f", "", [["in"]]), ("Functional", "block", inner, [["f"]])])
            }
        }
        try add("nested-models-too-deep.h5", "nests models more than \(ModelConfig.maximumNesting) deep") { path in
            try legacyWithConfig(model, at: path) { _ in
                var layers = #"{"class_name": "\#(flatten)", "config": {"name": "leaf"}}"#
                for level in 0..<ModelConfig.maximumNesting {
                    layers = #"{"class_name": "Sequential", "config": {"name": "n\#(level)", "layers": [\#(layers)]}}"#
                }
                return functionalConfig([(flatten, "f", "", [["in"]]), ("Sequential", "block", #""layers": [\#(layers)]"#, [["f"]])])
            }
        }
        let batchNormalization = BatchNormalization().className
        try add("batch-renormalization.h5", "renorm") { path in
            try legacyWithConfig(model, at: path) { _ in
                functionalConfig([(flatten, "f", "", [["in"]]), (batchNormalization, "bn", #""renorm": true"#, [["f"]])])
            }
        }
        try add("batch-normalization-two-axes.h5", "axis must be one axis, found [1, 2]") { path in
            try legacyWithConfig(model, at: path) { _ in
                functionalConfig([(flatten, "f", "", [["in"]]), (batchNormalization, "bn", #""axis": [1, 2]"#, [["f"]])])
            }
        }
        try add("shared-batch-normalization.h5", "a shared layer with batch statistics is not supported") { path in
            try legacyWithConfig(model, at: path) { _ in
                functionalConfig([(flatten, "f", "", [["in"]]), (batchNormalization, "bn", "", [["f"], ["bn"]]), (dense, "e", #""units": 4"#, [["bn:1"]])])
            }
        }
        try add("malformed-config.h5", "is not valid JSON") { path in
            try legacyWithConfig(model, at: path) { String($0.prefix(100)) }
        }
        try add("deeply-nested-config.h5", "nested deeper than") { path in
            try legacyWithConfig(model, at: path) { _ in String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000) }
        }
        try add("huge-input-shape.h5", "larger than the limit") { path in
            try legacyWithConfig(model, at: path) { $0.replacingOccurrences(of: "[null, 32, 32, 1]", with: "[null, 32000, 32000, 1]") }
        }
        try add("layer-name-with-slash.h5", "is not a usable layer name") { path in
            try legacyWithLayerNames(model, at: path) { $0 == "dense" ? "../dense" : $0 }
        }
        try add("layer-names-missing-group.h5", "there is no group of that name") { path in
            try legacyWithLayerNames(model, at: path) { $0 == "dense" ? "dense_renamed" : $0 }
        }
        try add("layer-count-mismatch.h5", "layer count mismatch") { path in
            try legacyWithLayerNames(model, at: path) { $0 == "dense_1" ? nil : $0 }
        }

        // .keras archives.
        let config = Array(ConfigWriter.archiveConfig(model, optimizer: nil).pythonJSON.utf8)
        let inner = try weightsImage(model)
        try add("path-traversal.keras", "unsafe member path") { path in
            try writeZip(at: path, [("config.json", config), ("../../evil.h5", inner), ("model.weights.h5", inner)])
        }
        try add("missing-weights.keras", "model.weights.h5: missing from the archive") { path in
            try writeZip(at: path, [("metadata.json", Array("{}".utf8)), ("config.json", config)])
        }
        try add("missing-config.keras", "config.json: missing from the archive") { path in
            try writeZip(at: path, [("model.weights.h5", inner)])
        }
        try add("config-not-json.keras", "config.json: is not valid JSON") { path in
            try writeZip(at: path, [("config.json", Array("<xml/>".utf8)), ("model.weights.h5", inner)])
        }
        try add("weights-not-hdf5.keras", "not an HDF5 file") { path in
            try writeZip(at: path, [("config.json", config), ("model.weights.h5", Array("garbage".utf8))])
        }
        try add("zip-bomb.keras", "zip bomb") { path in
            try writeZip(at: path, [("config.json", config), ("model.weights.h5", [UInt8](repeating: 0, count: 32 << 20))], compressed: true)
        }
        try add("truncated-zip.keras", "not a readable zip archive") { path in
            try writeZip(at: path, [("config.json", config), ("model.weights.h5", inner)])
            let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
            try bytes.prefix(bytes.count / 2).write(to: URL(fileURLWithPath: path))
        }
    }

    // MARK: - Builders

    /// LeNet-5's `.weights.h5` layout with the model's weights; `shape` may change a variable's shape and
    /// `skip` leaves out a layer.
    static func lenetWeights(_ model: Sequential, at path: String, skip: String? = nil,
                             shape change: (String, Int, [Int]) -> [Int] = { _, _, shape in shape }) throws {
        let root = try File.create(path, overwrite: true).root
        let names = KerasNaming.saveableNames(classNames: model.layers.map(\.className))
        for (layer, name) in zip(model.layers, names) where name != skip {
            let vars = try root.createGroup("layers/\(name)/vars")
            for (index, parameter) in layer.parameters.enumerated() {
                let shape = change(name, index, parameter.shape)
                try vars.createDataset(String(index), shape: shape, values: [Float](repeating: 0.01, count: shape.reduce(1, *)))
            }
        }
        try root.createGroup("vars")
    }

    /// A legacy `.h5` of the model with its model_config text edited.
    static func legacyWithConfig(_ model: Sequential, at path: String, edit: (String) -> String) throws {
        try ModelWriter.save(model, optimizer: nil, to: path)
        let root = try File.open(path, mode: .readWrite).root
        let config = try root.attribute("model_config").string ?? ""
        try root.setAttribute("model_config", string: edit(config), encoding: .ascii)
    }

    /// A Keras 3 functional config of a (28, 28, 1) input named `in` and `layers` (class, name, config entries,
    /// and per call the inbound outputs: a layer's name, or `name:k` for its call k), whose last layer's first
    /// call is the output.
    static func functionalConfig(_ layers: [(String, String, String, [[String]])]) -> String {
        func tensor(_ reference: String) -> String {
            let parts = reference.split(separator: ":")
            return #"{"class_name": "__keras_tensor__", "config": {"shape": [null], "dtype": "float32", "keras_history": [""#
                + parts[0] + #"", "# + (parts.count > 1 ? parts[1] : "0") + ", 0]}}"
        }
        let input = #"{"class_name": "\#(LayerCodecs.inputLayerClassName)", "name": "in", "config": {"batch_shape": [null, 28, 28, 1], "name": "in"}, "inbound_nodes": []}"#
        let entries = layers.map { className, name, config, calls in
            let nodes = calls.map { sources in
                let arguments = sources.count == 1 ? tensor(sources[0]) : "[" + sources.map(tensor).joined(separator: ", ") + "]"
                return #"{"args": ["# + arguments + #"], "kwargs": {}}"#
            }
            return #"{"class_name": ""# + className + #"", "name": ""# + name + #"", "config": {"name": ""# + name + "\""
                + (config.isEmpty ? "" : ", " + config) + #"}, "inbound_nodes": ["# + nodes.joined(separator: ", ") + "]}"
        }
        return #"{"class_name": "Functional", "config": {"name": "f", "layers": ["# + ([input] + entries).joined(separator: ", ")
            + #"], "input_layers": ["in", 0, 0], "output_layers": [""# + (layers.last?.1 ?? "") + #"", 0, 0]}}"#
    }

    /// A legacy `.h5` of the model with its layer_names edited (nil drops a name).
    static func legacyWithLayerNames(_ model: Sequential, at path: String, edit: (String) -> String?) throws {
        try ModelWriter.save(model, optimizer: nil, to: path)
        let weights = try File.open(path, mode: .readWrite).root.group("model_weights")
        let names = try weights.attribute("layer_names").strings ?? []
        try weights.setAttribute("layer_names", strings: names.compactMap(edit), encoding: .ascii)
    }

    /// A case that could not be written as intended.
    struct BuildError: Error, CustomStringConvertible {
        let description: String
        init(_ description: String) { self.description = description }
    }

    /// Replaces the dataset at `name` with `values` of their own type.
    static func replaceDataset<T: HDF5Scalar>(in path: String, at name: String, with values: [T], shape: [Int]) throws {
        let root = try File.open(path, mode: .readWrite).root
        try root.removeLink(name)
        try root.createDataset(name, shape: shape, values: values)
    }

    static func replaceWithStrings(in path: String, at name: String) throws {
        let root = try File.open(path, mode: .readWrite).root
        try root.removeLink(name)
        try root.createStringDataset(name, strings: [String](repeating: "not a number", count: 10))
    }

    static func weightsImage(_ model: Sequential) throws -> [UInt8] {
        try ModelWriter.weightsImage(model, optimizer: nil, name: "inner.weights.h5")
    }

    /// The members of a zip archive, in stored order, with their bytes.
    static func readZip(at path: String) throws -> [(String, [UInt8])] {
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        return try archive.map { entry in
            var bytes: [UInt8] = []
            _ = try archive.extract(entry) { bytes += $0 }
            return (entry.path, bytes)
        }
    }

    static func writeZip(at path: String, _ members: [(String, [UInt8])], compressed: Bool = false) throws {
        try? FileManager.default.removeItem(atPath: path)
        let archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .create)
        for (name, bytes) in members {
            let data = Data(bytes)
            try archive.addEntry(with: name, type: .file, uncompressedSize: Int64(data.count),
                                 compressionMethod: compressed ? .deflate : .none) { position, size in
                data.subdata(in: Int(position)..<Int(position) + size)
            }
        }
    }
}
