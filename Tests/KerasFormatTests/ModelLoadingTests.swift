import Architectures
import Foundation
import HDF5
import KerasFormat
import MNIST
import NeuralNet
import NumPy
import TestSupport
import Testing

/// The notebooks' files load here and give the notebooks' and Keras's own results.
@Suite struct ModelLoadingTests {
    static let test = Result { try MNIST.loadTest(from: SharedData.mnist) }

    /// Keras's own loss for a real file (tools/keras_interop.py reference-predictions).
    private func kerasLoss(of file: String) throws -> Double? {
        let evaluation = try JSONParser.parse(
            String(contentsOfFile: SharedData.fixture("keras-predictions/evaluation.json"), encoding: .utf8))
        return evaluation[file]?["loss"]?.doubleValue
    }

    @Test(arguments: [
        ("LeNet5.h5", Architecture.lenet5, 9868, 0.0406),
        ("LeNet5.weights.h5", .lenet5, 9868, 0.0406),
        ("MNIST-numbers-cnn.h5", .convnet, 9822, 0.0609),
    ])
    func realFilesEvaluateToTheNotebookFigures(file: String, preset: Architecture, correct: Int, notebookLoss: Double) throws {
        let loaded = try Architecture.load(SharedData.reference(file))
        #expect(loaded.architecture == preset)
        #expect(loaded.notices.isEmpty)
        let result = try loaded.model.evaluate(try preset.preprocessing.samples(try Self.test.get(), for: loaded.model))
        #expect(Int((try #require(result.scores["accuracy"]) * 10_000).rounded()) == correct)
        #expect(abs(result.loss - notebookLoss) < 1e-4)
        let kerasLoss = try #require(try kerasLoss(of: file))
        #expect(abs(result.loss - kerasLoss) < 1e-6)
    }

    @Test(arguments: ["LeNet5.h5", "LeNet5.weights.h5", "MNIST-numbers-cnn.h5"])
    func probabilitiesAgreeWithKerasPredict(file: String) throws {
        let loaded = try Architecture.load(SharedData.reference(file))
        let preset = try #require(Architecture.identify(loaded.model))
        let ours = try loaded.model.predict(preset.preprocessing.inputs(try Self.test.get().prefix(100)))
        let keras = try NumpyArray.read(SharedData.fixture("keras-predictions/\(file).first100.npy")).floats()
        #expect(keras.count == 1000)
        let difference = zip(ours, keras).map { abs($0 - $1) }.max() ?? 1
        #expect(difference <= 1e-5, "max difference \(difference)")
    }

    @Test func weightsOnlyFileTakesItsArchitectureFromTheWeightShapesOrArch() throws {
        let path = SharedData.reference("LeNet5.weights.h5")
        #expect(try Architecture.load(path).architecture == .lenet5)
        #expect(try Architecture.load(path, as: .lenet5).model.parameterCount == 61_706)
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path, as: .convnet) }
        #expect(error?.object == "layers/conv2d_2/vars" && error?.problem == .missingVariables(layer: "conv2d_2", expected: 2))
    }

    @Test func configAndArchMustAgree() throws {
        #expect(throws: KerasFormatError.self) { try Architecture.load(SharedData.reference("LeNet5.h5"), as: .mlp) }
    }

    @Test func keras2OptimizerStateIsKept() throws {
        let optimizer = try #require(try Architecture.load(SharedData.reference("MNIST-numbers-cnn.h5")).storedOptimizer())
        #expect(optimizer.name == "Adam")
        #expect(optimizer.variables.count == 29)
        #expect(try optimizer.variables[0].scalars() == [18750])
        #expect(try optimizer.variables[0].integers() == [18750])
        #expect(optimizer.config?["learning_rate"]?.doubleValue == 0.0010000000474974513)
    }
}

/// Files whose weights do not fit are refused with a message naming the layer and the shapes.
@Suite struct MismatchTests {
    /// A `.weights.h5` in LeNet-5's layout, with `change` applied to the list of (group, shapes) first.
    private func lenetWeights(_ change: (inout [(String, [[Int]])]) -> Void, elementsAreIntegers: Bool = false) throws -> (TemporaryFolder, String) {
        var layout: [(String, [[Int]])] = [
            ("conv2d", [[5, 5, 1, 6], [6]]), ("conv2d_1", [[5, 5, 6, 16], [16]]), ("dense", [[400, 120], [120]]),
            ("dense_1", [[120, 84], [84]]), ("dense_2", [[84, 10], [10]]), ("average_pooling2d", []), ("flatten", []),
        ]
        change(&layout)
        let folder = try TemporaryFolder()
        let path = folder.path("model.weights.h5")
        let root = try File.create(path).root
        for (name, shapes) in layout {
            try root.createGroup("layers/\(name)/vars")
            for (index, shape) in shapes.enumerated() {
                let count = shape.reduce(1, *)
                if elementsAreIntegers {
                    try root.createDataset("layers/\(name)/vars/\(index)", shape: shape, values: [Int32](repeating: 1, count: count))
                } else {
                    try root.createDataset("layers/\(name)/vars/\(index)", shape: shape, values: [Float](repeating: 0.01, count: count))
                }
            }
        }
        return (folder, path)
    }

    @Test func wrongShapeNamesTheLayerAndBothShapes() throws {
        let (folder, path) = try lenetWeights { $0[2].1[0] = [400, 121] }
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path, as: .lenet5) }
        #expect(error == KerasFormatError(file: path, object: "/layers/dense/vars/0",
                                          .shapeMismatch(layer: "dense", weight: "kernel", expected: [400, 120], found: [400, 121])))
        // The one line the tools print.
        #expect(error?.description == "\(path): /layers/dense/vars/0: shape mismatch for layer dense kernel: expected (400, 120), found (400, 121)")
        withExtendedLifetime(folder) {}
    }

    @Test func missingLayerIsNamed() throws {
        let (folder, path) = try lenetWeights { $0.remove(at: 3) }
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path, as: .lenet5) }
        #expect(error?.object == "layers/dense_1/vars" && error?.problem == .missingVariables(layer: "dense_1", expected: 2))
        withExtendedLifetime(folder) {}
    }

    @Test func extraLayerIsNamed() throws {
        let (folder, path) = try lenetWeights { $0.append(("dense_3", [[10, 10], [10]])) }
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path, as: .lenet5) }
        #expect(error?.object == "/layers/dense_3" && error?.problem == .unexpectedLayer)
        withExtendedLifetime(folder) {}
    }

    @Test func unrecognisableWeightsNeedArch() throws {
        let (folder, path) = try lenetWeights { $0[0].1[0] = [3, 3, 1, 6] }
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path) }
        #expect(error?.problem == .matchesNoPreset(["mlp", "convnet", "lenet5", "vgg"]))
        withExtendedLifetime(folder) {}
    }

    @Test func integerWeightsAreRefused() throws {
        let (folder, path) = try lenetWeights({ _ in }, elementsAreIntegers: true)
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path, as: .lenet5) }
        #expect(error?.problem == .notFloats(.integer(bytes: 4, signed: true)))
        withExtendedLifetime(folder) {}
    }

    /// A copy of LeNet5.h5 with its model_config (or another root change) rewritten.
    private func editedLeNet(_ edit: (Group) throws -> Void) throws -> (TemporaryFolder, String) {
        let folder = try TemporaryFolder()
        let path = folder.path("LeNet5-edited.h5")
        try FileManager.default.copyItem(atPath: SharedData.reference("LeNet5.h5"), toPath: path)
        try edit(try File.open(path, mode: .readWrite).root)
        return (folder, path)
    }

    private func replaceInConfig(_ old: String, _ new: String) throws -> (TemporaryFolder, String) {
        try editedLeNet { root in
            let config = try #require(try root.attribute("model_config").string)
            #expect(config.contains(old))
            try root.setAttribute("model_config", string: config.replacingOccurrences(of: old, with: new), encoding: .ascii)
        }
    }

    @Test func unknownLayerClassIsNamed() throws {
        let (folder, path) = try replaceInConfig(#""class_name": "Flatten""#, #""class_name": "ConvLSTM2D""#)
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path) }
        #expect(error?.object == "layer flatten" && error?.problem == .unknownLayerClass("ConvLSTM2D", supported: LayerCodecs.classNames))
        withExtendedLifetime(folder) {}
    }

    @Test func unsupportedActivationIsNamed() throws {
        let (folder, path) = try replaceInConfig(#""name": "dense_1", "trainable": true, "dtype": "float32", "units": 84, "activation": "tanh""#,
                                                 #""name": "dense_1", "trainable": true, "dtype": "float32", "units": 84, "activation": "sparsemax""#)
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path) }
        #expect(error?.object == "layer dense_1" && error?.problem == .unsupportedActivation("sparsemax", supported: ModelBuilder.supportedActivations))
        withExtendedLifetime(folder) {}
    }

    /// A Keras 3 Sequential config of a (784,) input and one layer entry.
    private func buildOneLayer(_ className: String, _ config: String) throws -> Model {
        let text = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 784]}}, {"class_name": ""# + className + #"", "config": {"name": "probe", "#
            + config + "}}]}}"
        var builder = ModelBuilder(file: "probe.h5")
        return try builder.build(try ModelConfig.parse(try JSONParser.parse(text), file: "probe.h5"))
    }

    /// Options outside what a layer supports get one error naming the file, the layer and the option.
    @Test(arguments: [
        ("Rescaling", #""scale": [0.5, 0.25]"#, KerasFormatError.Problem.unsupportedOption("scale as a list (only one number for every value)")),
        ("Softmax", #""axis": [1, 2]"#, .unsupportedOption("axis as a list (one axis only)")),
        ("Reshape", #""target_shape": [28, "x"]"#, .invalidValue(key: "target_shape", reason: #"must be a list of positive integers (or -1), found [28, "x"]"#)),
        ("ReLU", #""threshold": -1.0"#, .invalidModel(.invalidInput(layer: "probe", reason: "threshold must not be negative, got -1.0"))),
        ("Reshape", #""target_shape": [-1, -1]"#, .invalidModel(.invalidInput(layer: "probe", reason: "target_shape [-1, -1] must be positive sizes with at most one -1"))),
        ("Reshape", #""target_shape": [27, 29]"#, .invalidModel(.invalidInput(layer: "probe", reason: "cannot reshape (None, 784) (784 values) to (None, 27, 29)"))),
        ("Permute", #""dims": [1, 1]"#, .invalidModel(.invalidInput(layer: "probe", reason: "dims [1, 1] is not a permutation of the input's axes 1...1"))),
    ])
    func unsupportedLayerOptionsAreNamed(className: String, config: String, problem: KerasFormatError.Problem) throws {
        let error = #expect(throws: KerasFormatError.self) { try buildOneLayer(className, config) }
        #expect(error?.file == "probe.h5")
        #expect(error?.problem == problem, "\(error.map(String.init(describing:)) ?? "no error")")
    }

    /// Each key a layer's codec declares polices its own value: regularizers, constraints and initializers
    /// this project lacks are ignored with a notice naming the key; a data format or padding it cannot honour
    /// is refused by name.
    @Test func declaredKeysGiveNoticesAndRefusals() throws {
        let text = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 784]}}, "#
            + #"{"class_name": "Dense", "config": {"name": "d", "units": 3, "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.01}}, "#
            + #""bias_initializer": {"class_name": "VarianceScaling", "config": {}}, "activity_regularizer": "l1", "kernel_constraint": null}}]}}"#
        var builder = ModelBuilder(file: "notices.h5")
        let model = try builder.build(try ModelConfig.parse(try JSONParser.parse(text), file: "notices.h5"))
        #expect(builder.notices == [.ignoredSetting(layer: "d", key: "bias_initializer"), .ignoredSetting(layer: "d", key: "kernel_regularizer"),
                                    .ignoredSetting(layer: "d", key: "activity_regularizer")])
        #expect((model.layers[0] as? Dense)?.biasInitializer == .zeros)
        let channelsFirst = #expect(throws: KerasFormatError.self) { try buildOneLayer("Conv1D", #""filters": 2, "kernel_size": 3, "data_format": "channels_first""#) }
        #expect(channelsFirst?.problem == .unsupportedOption(#"data_format "channels_first""#))
        let causal = #expect(throws: KerasFormatError.self) { try buildOneLayer("Conv2D", #""filters": 2, "kernel_size": 3, "padding": "causal""#) }
        #expect(causal?.problem == .invalidValue(key: "padding", reason: "'causal' is not supported (valid, same)"))
    }

    /// tf-keras writes an Embedding's default input shape, (None, None), into a Sequential's first layer beside
    /// the InputLayer's whole shape, which is the model's.
    @Test func anInputLayersShapeOutranksTheFirstLayersOwn() throws {
        let text = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 12], "dtype": "int32", "name": "input_1"}}, "#
            + #"{"class_name": "Embedding", "config": {"name": "e", "batch_input_shape": [null, null], "input_dim": 20, "output_dim": 8, "input_length": null}}]}}"#
        var builder = ModelBuilder(file: "embedding.h5", kerasVersion: "2.15.0")
        let model = try builder.build(try ModelConfig.parse(try JSONParser.parse(text), file: "embedding.h5"))
        #expect(model.inputShape == [12] && model.inputs[0].dtype == .int32 && model.layers[0].outputShape == [12, 8])
    }

    /// A wrapped layer's config is read through its own class's codec: its ignored keys get notices under the
    /// wrapper's key, and an unknown class, a malformed entry or a layer of several inputs are refused by name.
    @Test func wrappedLayerConfigsAreReadThroughTheirCodecs() throws {
        func build(_ wrapped: String) throws -> (Model, [Notice]) {
            let text = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 5, 4]}}, "#
                + #"{"class_name": "TimeDistributed", "config": {"name": "td", "layer": "# + wrapped + "}}]}}"
            var builder = ModelBuilder(file: "wrapped.h5")
            let model = try builder.build(try ModelConfig.parse(try JSONParser.parse(text), file: "wrapped.h5"))
            return (model, builder.notices)
        }
        let (model, notices) = try build(#"{"class_name": "Dense", "config": {"name": "d", "units": 3, "kernel_regularizer": "l2"}}"#)
        #expect(model.layers[0].outputShape == [5, 3] && (model.layers[0] as? TimeDistributed)?.layer.name == "d")
        #expect(notices == [.ignoredSetting(layer: "td", key: "layer.kernel_regularizer")])
        let unknown = #expect(throws: KerasFormatError.self) { try build(#"{"class_name": "Sparse", "config": {"name": "x"}}"#) }
        #expect(unknown?.object == "layer td/x" && unknown?.problem == .unknownLayerClass("Sparse", supported: LayerCodecs.classNames))
        let bad = #expect(throws: KerasFormatError.self) { try build(#"{"class_name": "Dense", "config": {"name": "d", "units": -3}}"#) }
        #expect(bad?.object == "layer td/d")
        let malformed = #expect(throws: KerasFormatError.self) { try build(#""dense""#) }
        #expect(malformed?.object == "layer td" && malformed?.problem == .invalidValue(key: "layer", reason: #"must be a serialised layer ({"class_name": ..., "config": {...}})"#))
        let merge = #expect(throws: KerasFormatError.self) { try build(#"{"class_name": "Add", "config": {"name": "a"}}"#) }
        #expect(merge?.problem == .unsupportedOption("layer of class Add (a layer of one input is wrapped)"))
    }

    /// A recurrent layer's options this project cannot honour are refused by name (a stateful layer, Keras 2's
    /// time-major input, states returned in a Sequential model); those that change nothing here are accepted, and a
    /// regularizer gets a notice.
    @Test func recurrentOptionsAreHonouredOrRefusedByName() throws {
        func build(_ options: String, kerasVersion: String? = nil) throws -> (Model, [Notice]) {
            let text = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, 5, 4]}}, "#
                + #"{"class_name": "LSTM", "config": {"name": "l", "units": 3, "# + options + "}}]}}"
            var builder = ModelBuilder(file: "lstm.h5", kerasVersion: kerasVersion)
            let model = try builder.build(try ModelConfig.parse(try JSONParser.parse(text), file: "lstm.h5"))
            return (model, builder.notices)
        }
        let (model, notices) = try build(#""unroll": true, "implementation": 1, "dropout": 0.25, "recurrent_regularizer": "l2""#)
        let lstm = try #require(model.layers[0] as? LSTM)
        #expect(lstm.outputShape == [3] && lstm.dropout == 0.25 && lstm.recurrentDropout == 0)
        #expect(notices == [.ignoredSetting(layer: "l", key: "recurrent_regularizer")])
        for (options, refused) in [(#""stateful": true"#, "stateful true"), (#""time_major": true"#, "time_major true")] {
            let error = #expect(throws: KerasFormatError.self) { try build(options) }
            #expect(error?.object == "layer l" && error?.problem == .unsupportedOption(refused), "\(options)")
        }
        // States returned have nowhere to go in a Sequential model (Keras refuses it too).
        let returned = #expect(throws: KerasFormatError.self) { try build(#""return_state": true"#) }
        #expect(returned?.description.contains("layer l: returns its states (return_state), which a Sequential model cannot pass on") == true)
    }

    /// A tf-keras Bidirectional without `backward_layer` gets the layer run backwards, both named as Keras
    /// names them; `merge_mode` null (two outputs), layers that agree in `go_backwards` and a wrapped layer
    /// that is not recurrent are refused by name.
    @Test func bidirectionalLayersAreMadeAsKerasMakesThem() throws {
        func build(_ options: String, kerasVersion: String? = "2.15.0") throws -> Model {
            let text = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_input_shape": [null, 5, 4]}}, "#
                + #"{"class_name": "Bidirectional", "config": {"name": "b", "# + options + "}}]}}"
            var builder = ModelBuilder(file: "bi.h5", kerasVersion: kerasVersion)
            return try builder.build(try ModelConfig.parse(try JSONParser.parse(text), file: "bi.h5"))
        }
        let gru = #""layer": {"class_name": "GRU", "config": {"name": "gru", "units": 3, "return_sequences": true}}"#
        let layer = try #require(try build(gru).layers[0] as? Bidirectional)
        #expect(layer.forwardLayer.name == "forward_gru" && layer.backwardLayer.name == "backward_gru" && layer.backwardLayer.goBackwards)
        #expect(layer.outputShape == [5, 6] && layer.mergeMode == .concat && layer.backwardLayer is GRU)
        let own = #", "backward_layer": {"class_name": "SimpleRNN", "config": {"name": "back", "units": 3, "go_backwards": true, "return_sequences": true}}"#
        let mixed = try #require(try build(gru + own + #", "merge_mode": "sum""#).layers[0] as? Bidirectional)
        #expect(mixed.backwardLayer.name == "backward_back" && mixed.backwardLayer is SimpleRNN && mixed.outputShape == [5, 3])
        let null = #expect(throws: KerasFormatError.self) { try build(gru + #", "merge_mode": null"#) }
        #expect(null?.object == "layer b" && null?.problem == .invalidValue(key: "merge_mode", reason: "null is not supported (concat, sum, mul, ave; null, two outputs, is not)"))
        let same = #", "backward_layer": {"class_name": "GRU", "config": {"name": "back", "units": 3, "return_sequences": true}}"#
        let agreeing = #expect(throws: KerasFormatError.self) { try build(gru + same) }
        #expect(agreeing?.description == "bi.h5: model config: layer b: the forward and backward layers must differ in go_backwards")
        let dense = #expect(throws: KerasFormatError.self) { try build(#""layer": {"class_name": "Dense", "config": {"name": "d", "units": 3}}"#) }
        #expect(dense?.problem == .unsupportedOption("layer of class Dense (a recurrent layer is wrapped)"))
    }

    /// An input axis left open (None, a sequence of any length) takes its length from the data's shape, or a
    /// given length for a model built only to be converted; without either the config is refused, saying where
    /// the length comes from. The axis is written back open.
    @Test func openInputAxesTakeTheirLengthFromTheData() throws {
        let text = #"{"class_name": "Sequential", "config": {"name": "s", "layers": [{"class_name": "InputLayer", "config": {"batch_shape": [null, null, 4]}}, "#
            + #"{"class_name": "GRU", "config": {"name": "g", "units": 3}}]}}"#
        func build(data: [[Int]]?, open: Int? = nil) throws -> Model {
            var builder = ModelBuilder(file: "open.keras")
            builder.dataShapes = data
            builder.openAxisLength = open
            return try builder.build(try ModelConfig.parse(try JSONParser.parse(text), file: "open.keras"))
        }
        let model = try build(data: [[9, 4]])
        #expect(model.inputShape == [9, 4] && model.inputs[0].variableAxes == [0] && model.inputs[0].declaredShape == [nil, 4])
        #expect(try build(data: nil, open: 1).inputShape == [1, 4])
        let refused = #expect(throws: KerasFormatError.self) { try build(data: nil) }
        #expect(refused?.description == "open.keras: model config: does not give a complete input shape (an axis of None takes its length from the data: keras-swift's --x, KerasModel.load's inputShapes)")
        #expect(throws: KerasFormatError.self) { try build(data: [[9]]) }
        let folder = try TemporaryFolder()
        for (path, flavour) in [(folder.path("open.keras"), KerasFlavour.keras3), (folder.path("open.h5"), .keras2)] {
            try ModelWriter.save(model, optimizer: nil, to: path, flavour: flavour)
            let input = try #require(try KerasFile.open(path).modelConfig()?.inputs.first)
            #expect(input.batchShape == [nil, nil, 4], "\(path)")
        }
    }

    /// A functional inbound reference too short to name a layer's output is refused, not read past its end.
    @Test func aShortInboundReferenceIsRefused() throws {
        let text = #"{"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "Dense", "name": "d", "#
            + #""config": {"name": "d", "units": 2}, "inbound_nodes": [{"args": [{"class_name": "__keras_tensor__", "#
            + #""config": {"keras_history": []}}], "kwargs": {}}]}], "input_layers": ["in", 0, 0], "output_layers": ["d", 0, 0]}}"#
        let error = #expect(throws: KerasFormatError.self) { try ModelConfig.parse(try JSONParser.parse(text), file: "short.h5") }
        #expect(error?.object == "layer d" && error?.problem == .malformedConfig("has a reference that is not [layer, node, tensor]"))
    }

    /// Keras 3 writes the operations computing a mask among a functional model's layers and passes their result
    /// as a layer's `mask`: they are left out (by module in `.keras` configs, by class and a config without
    /// `trainable` in legacy ones), the mask following Keras's rules; an operation feeding a layer's input is
    /// refused, and a Concatenate without `trainable` that feeds one is a layer after all.
    @Test func theOperationsKerasComputesMasksWithAreLeftOut() throws {
        func tensor(_ name: String) -> String { #"{"class_name": "__keras_tensor__", "config": {"keras_history": [""# + name + #"", 0, 0]}}"# }
        func config(module: String?, operation: String = "NotEqual", lstmInput: String = "embedding") -> String {
            let moduleKey = module.map { #""module": ""# + $0 + #"", "# } ?? ""
            return #"{"class_name": "Functional", "config": {"name": "f", "layers": [{"class_name": "InputLayer", "name": "in", "config": {"batch_shape": [null, 4], "dtype": "int32", "name": "in"}, "inbound_nodes": []}, "#
                + #"{"class_name": "Embedding", "name": "embedding", "config": {"name": "embedding", "trainable": true, "input_dim": 5, "output_dim": 2, "mask_zero": true}, "inbound_nodes": [{"args": ["# + tensor("in") + #"], "kwargs": {}}]}, "#
                + "{" + moduleKey + #""class_name": ""# + operation + #"", "name": "not_equal", "config": {"name": "not_equal"}, "inbound_nodes": [{"args": ["# + tensor("in") + #", 0], "kwargs": {}}]}, "#
                + #"{"class_name": "LSTM", "name": "lstm", "config": {"name": "lstm", "trainable": true, "units": 2}, "inbound_nodes": [{"args": ["# + tensor(lstmInput) + #"], "kwargs": {"mask": "# + tensor("not_equal") + #"}}]}], "#
                + #""input_layers": ["in", 0, 0], "output_layers": ["lstm", 0, 0]}}"#
        }
        for module in ["keras.src.ops.numpy", nil] {
            let parsed = try ModelConfig.parse(try JSONParser.parse(config(module: module)), file: "ops.keras")
            #expect(parsed.layers.map(\.name) == ["embedding", "lstm"], "\(module ?? "legacy")")
            var builder = ModelBuilder(file: "ops.keras")
            _ = try builder.build(parsed)
        }
        let fed = #expect(throws: KerasFormatError.self) {
            try ModelConfig.parse(try JSONParser.parse(config(module: "keras.src.ops.numpy", lstmInput: "not_equal")), file: "ops.keras")
        }
        #expect(fed?.object == "layer lstm" && fed?.problem == .unsupportedOption("the Keras operation NotEqual (not_equal) as an input (operations are supported only as the masks Keras computes)"))
        let layer = try ModelConfig.parse(try JSONParser.parse(config(module: nil, operation: "Concatenate", lstmInput: "not_equal")), file: "ops.h5")
        #expect(layer.layers.map(\.name) == ["embedding", "not_equal", "lstm"])
    }

    /// A config of more layers than the limit is refused before any layer is built.
    @Test func absurdlyManyLayersAreRefused() throws {
        let flatten = #"{"class_name": "Flatten", "config": {"name": "f"}}"#
        let text = #"{"class_name": "Sequential", "config": {"name": "s", "layers": ["#
            + Array(repeating: flatten, count: ModelConfig.maximumLayers + 1).joined(separator: ", ") + "]}}"
        let error = #expect(throws: KerasFormatError.self) { try ModelConfig.parse(try JSONParser.parse(text), file: "many.h5") }
        #expect(error?.problem == .malformedConfig("has 10001 layers, more than the limit of 10000"))
    }

    /// Keras 2 files name LeakyReLU's slope `alpha`; Keras 3 files `negative_slope`.
    @Test func leakyReLUReadsBothSpellings() throws {
        let keras2 = try buildOneLayer("LeakyReLU", #""alpha": 0.25"#).layers[0] as? LeakyReLU
        let keras3 = try buildOneLayer("LeakyReLU", #""negative_slope": 0.125"#).layers[0] as? LeakyReLU
        #expect(keras2?.negativeSlope == 0.25 && keras3?.negativeSlope == 0.125)
    }

    @Test func layerCountMismatchListsBothSides() throws {
        let (folder, path) = try editedLeNet { root in
            try root.group("model_weights").setAttribute(
                "layer_names", strings: ["conv2d", "average_pooling2d", "conv2d_1", "average_pooling2d_1", "flatten", "dense", "dense_2"],
                encoding: .ascii)
        }
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path) }
        #expect(error?.problem == .layerCountMismatch(model: ["conv2d", "conv2d_1", "dense", "dense_1", "dense_2"],
                                                      file: ["conv2d", "conv2d_1", "dense", "dense_2"]))
        withExtendedLifetime(folder) {}
    }

    @Test func malformedConfigJSONIsRefused() throws {
        let (folder, path) = try editedLeNet { root in try root.setAttribute("model_config", string: "{\"class_name\": ", encoding: .ascii) }
        let error = #expect(throws: KerasFormatError.self) { try Architecture.load(path) }
        #expect(error?.object == "/@model_config")
        if case .invalidJSON = error?.problem {} else { Issue.record("expected invalid JSON, got \(String(describing: error))") }
        withExtendedLifetime(folder) {}
    }

    /// A Keras model config (as `model.to_json()` writes it, with a compile_config as a .keras archive's has)
    /// builds a model whose weights follow the layers' initializers, with the config's loss and optimizer.
    @Test func aConfigBuildsAModelWithItsInitializers() throws {
        let config = """
            {"class_name": "Sequential", "config": {"name": "mine", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 784], "name": "input"}},
              {"class_name": "Dense", "config": {"name": "hidden", "units": 64, "activation": "relu",
                "kernel_initializer": {"module": "keras.initializers", "class_name": "HeNormal", "config": {"seed": null}},
                "bias_initializer": {"class_name": "Constant", "config": {"value": 0.25}}}},
              {"class_name": "Dense", "config": {"name": "out", "units": 10, "activation": "softmax",
                "kernel_initializer": "orthogonal", "bias_initializer": "ones"}}]},
             "compile_config": {"loss": "categorical_crossentropy",
                                "optimizer": {"class_name": "RMSprop", "config": {"learning_rate": 0.005, "rho": 0.8}}}}
            """
        let folder = try TemporaryFolder()
        let path = folder.path("mine.json")
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let configured = try ConfiguredModel.load(path, seed: 3)
        let hidden = try #require(configured.model.layers[0] as? Dense), out = try #require(configured.model.layers[1] as? Dense)
        #expect(hidden.kernelInitializer == .heNormal && hidden.biasInitializer == .constant(0.25))
        #expect(hidden.bias!.tensor.scalars.allSatisfy { $0 == 0.25 } && out.bias!.tensor.scalars.allSatisfy { $0 == 1 })
        // He normal: standard deviation sqrt(2 / 784), none beyond two of them before scaling (0.88 after).
        let kernel = hidden.kernel.tensor.scalars.map(Double.init)
        let deviation = (kernel.map { $0 * $0 }.reduce(0, +) / Double(kernel.count)).squareRoot()
        #expect(abs(deviation / (2.0 / 784).squareRoot() - 1) < 0.05, "standard deviation \(deviation)")
        #expect(kernel.allSatisfy { abs($0) <= 2 * (2.0 / 784).squareRoot() / 0.8796 + 1e-6 })
        // Orthogonal (64 x 10): the columns are orthonormal.
        let q = out.kernel.tensor.scalars
        for a in 0..<10 {
            for b in 0..<10 {
                let dot = (0..<64).reduce(Float(0)) { $0 + q[$1 * 10 + a] * q[$1 * 10 + b] }
                #expect(abs(dot - (a == b ? 1 : 0)) < 1e-4, "columns \(a), \(b)")
            }
        }
        #expect(configured.losses == [Loss(.categoricalCrossentropy)] && configured.model.loss == Loss(.categoricalCrossentropy))
        let optimizer = try #require(configured.optimizer as? RMSprop)
        #expect(optimizer.learningRate == 0.005 && optimizer.rho == 0.8)
        // Written back, the initializers are the config's.
        let text = ConfigWriter.archiveConfig(configured.model, optimizer: nil).pythonJSON
        #expect(text.contains("\"HeNormal\"") && text.contains("\"Orthogonal\"") && text.contains("\"value\": 0.25"))
    }

    /// BatchNormalization, LayerNormalization and PReLU start their weights, moving statistics included, from
    /// the config's initializers, and write them back.
    @Test func normalizationAndPReLUWeightsFollowTheirInitializers() throws {
        let config = """
            {"class_name": "Sequential", "config": {"name": "mine", "layers": [
              {"class_name": "InputLayer", "config": {"batch_shape": [null, 8], "name": "input"}},
              {"class_name": "BatchNormalization", "config": {"name": "bn", "gamma_initializer": {"class_name": "Constant",
                "config": {"value": 0.5}}, "beta_initializer": "ones", "moving_mean_initializer": {"class_name": "Constant",
                "config": {"value": -1}}, "moving_variance_initializer": {"class_name": "Constant", "config": {"value": 2}}}},
              {"class_name": "LayerNormalization", "config": {"name": "ln", "gamma_initializer": "zeros",
                "beta_initializer": {"class_name": "RandomUniform", "config": {"minval": 0.1, "maxval": 0.2}}}},
              {"class_name": "PReLU", "config": {"name": "prelu", "alpha_initializer": {"class_name": "Constant", "config": {"value": 0.25}}}},
              {"class_name": "Dense", "config": {"name": "out", "units": 10, "activation": "softmax"}}]}}
            """
        let folder = try TemporaryFolder()
        let path = folder.path("mine.json")
        try config.write(toFile: path, atomically: true, encoding: .utf8)
        let model = try ConfiguredModel.load(path, seed: 3).model
        let batch = try #require(model.layers[0] as? BatchNormalization), layer = try #require(model.layers[1] as? LayerNormalization)
        let prelu = try #require(model.layers[2] as? PReLU)
        func values(_ parameter: Parameter?) -> [Float] { parameter?.tensor.scalars ?? [] }
        #expect(values(batch.gamma) == [Float](repeating: 0.5, count: 8) && values(batch.beta) == [Float](repeating: 1, count: 8))
        #expect(values(batch.movingMean) == [Float](repeating: -1, count: 8) && values(batch.movingVariance) == [Float](repeating: 2, count: 8))
        #expect(values(layer.gamma) == [Float](repeating: 0, count: 8))
        #expect(values(layer.beta).allSatisfy { (0.1...0.2).contains($0) } && Set(values(layer.beta)).count > 1)
        #expect(values(prelu.alpha) == [Float](repeating: 0.25, count: 8))
        let text = ConfigWriter.archiveConfig(model, optimizer: nil).pythonJSON
        for expected in ["\"gamma_initializer\": {\"module\": \"keras.initializers\", \"class_name\": \"Constant\", \"config\": {\"value\": 0.5}",
                         "\"moving_variance_initializer\": {\"module\": \"keras.initializers\", \"class_name\": \"Constant\", \"config\": {\"value\": 2.0}",
                         "\"class_name\": \"RandomUniform\"", "\"alpha_initializer\": {\"module\": \"keras.initializers\", \"class_name\": \"Constant\", \"config\": {\"value\": 0.25}"] {
            #expect(text.contains(expected), "\(expected) missing")
        }
    }

    /// tf-keras keeps `compile`'s optimizer argument as given: a name means that optimizer with Keras's defaults.
    @Test func anOptimizerNamedByAStringHasKerasDefaults() throws {
        let model = try Sequential(inputShape: [4], layers: [Dense(units: 3, activation: .softmax)], workerCount: 1)
        var notices: [Notice] = []
        let rmsprop = try #require(try OptimizerState.fresh(.string("rmsprop"), for: model, file: "m.json", notices: &notices) as? RMSprop)
        #expect(rmsprop.learningRate == 0.001 && rmsprop.rho == 0.9 && !rmsprop.centered)
        let sgd = try #require(try OptimizerState.fresh(.string("sgd"), for: model, file: "m.json", notices: &notices) as? SGD)
        #expect(sgd.learningRate == 0.01 && sgd.momentum == 0)
        #expect(notices.isEmpty)
        #expect(try OptimizerState.fresh(.string("adagrad"), for: model, file: "m.json", notices: &notices) == nil)
        #expect(notices == [.optimizerNotSupported("adagrad")])
    }

    /// A Keras 3 config whose outputs are a dict, with losses and loss weights by output name (or a list for
    /// each output): each output gets its own; a list of the wrong length is refused, naming the outputs.
    @Test func outputsGivenByNameTakeTheirLossesAndWeightsByName() throws {
        func config(loss: String, weights: String) -> String {
            #"""
            {"class_name": "Functional", "config": {"name": "heads", "layers": [
              {"class_name": "InputLayer", "name": "image", "config": {"batch_shape": [null, 4], "name": "image"}, "inbound_nodes": []},
              {"class_name": "Dense", "name": "main", "config": {"name": "main", "units": 3}, "inbound_nodes": [[["image", 0, 0, {}]]]},
              {"class_name": "Dense", "name": "side", "config": {"name": "side", "units": 3, "activation": "softmax"},
               "inbound_nodes": [[["main", 0, 0, {}]]]}],
             "input_layers": [["image", 0, 0]], "output_layers": {"side": ["side", 0, 0], "main": ["main", 0, 0]}},
             "compile_config": {"loss": \#(loss), "loss_weights": \#(weights)}}
            """#
        }
        let folder = try TemporaryFolder()
        let path = folder.path("heads.json")
        try config(loss: #"{"main": "mse", "side": "categorical_crossentropy"}"#, weights: #"{"main": 2.0, "side": 0.5}"#)
            .write(toFile: path, atomically: true, encoding: .utf8)
        let configured = try ConfiguredModel.load(path, seed: 1)
        #expect(configured.model.outputNames == ["side", "main"])
        #expect(configured.losses == [Loss(.categoricalCrossentropy), Loss(.meanSquaredError)] && configured.model.lossWeights == [0.5, 2])

        try config(loss: #"["mse", "mse", "mse"]"#, weights: "null").write(toFile: path, atomically: true, encoding: .utf8)
        #expect(throws: KerasFormatError(file: path, object: "compile_config",
                                         .invalidValue(key: "loss", reason: "lists 3 entries for a model with 2 outputs (side, main)"))) {
            try ConfiguredModel.load(path, seed: 1)
        }
    }

    /// A model nested as a layer is inlined: its layers join the graph wired to what fed it, and their weights
    /// are found under the nested model's paths. Nesting beyond what Keras writes is refused with one line.
    @Test func nestedModelsAreInlinedAndMalformedNestingRefused() throws {
        func config(_ block: String, blockInbound: String = #"[[["first", 0, 0, {}]]]"#) -> JSONValue {
            try! JSONParser.parse("""
                {"class_name": "Functional", "config": {"name": "outer", "layers": [
                  {"class_name": "InputLayer", "name": "image", "config": {"batch_input_shape": [null, 6], "name": "image"}, "inbound_nodes": []},
                  {"class_name": "Dense", "name": "first", "config": {"name": "first", "units": 4}, "inbound_nodes": [[["image", 0, 0, {}]]]},
                  \(block),
                  {"class_name": "Dense", "name": "last", "config": {"name": "last", "units": 3}, "inbound_nodes": [[["block", 1, 0, {}]]]}],
                 "input_layers": [["image", 0, 0]], "output_layers": [["last", 0, 0]]}}
                """)
        }
        let sequentialBlock = #"""
            {"class_name": "Sequential", "name": "block", "config": {"name": "block", "layers": [
              {"class_name": "InputLayer", "config": {"batch_input_shape": [null, 4], "name": "block_input"}},
              {"class_name": "Dense", "config": {"name": "inner", "units": 5}},
              {"class_name": "Dense", "config": {"name": "inner_2", "units": 4}}]}, "inbound_nodes": [[["first", 0, 0, {}]]]}
            """#
        let parsed = try ModelConfig.parse(config(sequentialBlock), file: "nested.h5")
        #expect(parsed.layers.map(\.name) == ["first", "inner", "inner_2", "last"])
        #expect(parsed.layers.map(\.calls) == [[["image"]], [["first"]], [["inner"]], [["inner_2"]]])
        #expect(parsed.saveableNames() == ["dense", "sequential/layers/dense", "sequential/layers/dense_1", "dense_1"])
        #expect(parsed.layers.map(\.legacyGroup) == [nil, "block", "block", nil])
        #expect(parsed.outputLayers == ["last"])

        let twoOutputs = #"""
            {"class_name": "Functional", "name": "block", "config": {"name": "block", "layers": [
              {"class_name": "InputLayer", "name": "i", "config": {"batch_input_shape": [null, 4], "name": "i"}, "inbound_nodes": []},
              {"class_name": "Dense", "name": "a", "config": {"name": "a", "units": 4}, "inbound_nodes": [[["i", 0, 0, {}]]]},
              {"class_name": "Dense", "name": "b", "config": {"name": "b", "units": 4}, "inbound_nodes": [[["i", 0, 0, {}]]]}],
              "input_layers": [["i", 0, 0]], "output_layers": [["a", 0, 0], ["b", 0, 0]]}, "inbound_nodes": [[["first", 0, 0, {}]]]}
            """#
        let error = #expect(throws: KerasFormatError.self) { try ModelConfig.parse(config(twoOutputs), file: "nested.h5") }
        #expect(error?.description.contains("layer block: a nested model with 2 outputs is not supported") ?? false, "\(String(describing: error))")

        let renamed = sequentialBlock.replacingOccurrences(of: #""name": "inner_2""#, with: #""name": "first""#)
        let duplicate = #expect(throws: KerasFormatError.self) { try ModelConfig.parse(config(renamed), file: "nested.h5") }
        #expect(duplicate?.description.contains("layer first: is named twice") ?? false, "\(String(describing: duplicate))")

        var deep = #"{"class_name": "Dense", "config": {"name": "leaf", "units": 4}}"#
        for level in 0...ModelConfig.maximumNesting {
            deep = #"{"class_name": "Sequential", "name": "n\#(level)", "config": {"name": "n\#(level)", "layers": [\#(deep)]}}"#
        }
        deep = deep.replacingOccurrences(of: #""name": "n\#(ModelConfig.maximumNesting)", "config""#,
                                         with: #""name": "block", "inbound_nodes": [[["first", 0, 0, {}]]], "config""#)
            .replacingOccurrences(of: #"{"name": "n\#(ModelConfig.maximumNesting)""#, with: #"{"name": "block""#)
        let tooDeep = #expect(throws: KerasFormatError.self) { try ModelConfig.parse(config(deep), file: "nested.h5") }
        #expect(tooDeep?.description.contains("nests models more than \(ModelConfig.maximumNesting) deep") ?? false, "\(String(describing: tooDeep))")
    }
}
