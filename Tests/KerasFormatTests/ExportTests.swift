import Architectures
import Foundation
import HDF5
import KerasFormat
import NeuralNet
import TestSupport
import Testing

/// Writing every form: bit-identical round trips, Keras's own structure, atomic replacement.
@Suite struct ExportTests {
    static let forms: [(String, KerasFlavour)] = [("h5", .keras3), ("h5", .keras2), ("weights.h5", .keras3), ("keras", .keras3)]

    /// A model and its optimizer as loaded from a real file.
    private func load(_ path: String) throws -> (PresetModel, Optimizer?) {
        let loaded = try Architecture.load(path)
        var notices: [Notice] = []
        return (loaded, try OptimizerState.restore(try loaded.storedOptimizer(), for: loaded.model, notices: &notices))
    }

    @Test(arguments: ["LeNet5.h5", "LeNet5.weights.h5", "MNIST-numbers-cnn.h5"])
    func readWriteReadKeepsEveryBit(file: String) throws {
        let (original, optimizer) = try load(SharedData.reference(file))
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms {
            let path = folder.path("copy-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(original.model, optimizer: optimizer, to: path, flavour: flavour)
            let (copy, copiedOptimizer) = try load(path)
            #expect(copy.model.parameters.count == original.model.parameters.count)
            for (a, b) in zip(original.model.parameters, copy.model.parameters) {
                #expect(a.shape == b.shape)
                #expect(a.tensor.scalars.map(\.bitPattern) == b.tensor.scalars.map(\.bitPattern), "\(path): \(a.name)")
            }
            let before = try #require(optimizer), after = try #require(copiedOptimizer)
            #expect(after.className == before.className)
            #expect(after.iterations == before.iterations)
            #expect(after.learningRate == before.learningRate)
            for (x, y) in zip(before.slots, after.slots) {
                #expect(x.tensor.scalars.map(\.bitPattern) == y.tensor.scalars.map(\.bitPattern))
            }
        }
    }

    /// Each optimizer's state after two steps is written in every model form and read back bit for bit, with its
    /// class and settings (Nadam's momentum schedule product recomputed where Keras 2 does not store it).
    @Test(arguments: ["sgd", "adam_amsgrad", "adamw", "nadam", "rmsprop"])
    func optimizerStateRoundTripsThroughEveryForm(kind: String) throws {
        let model = try Sequential(inputShape: [3], layers: [Dense(units: 4, activation: .tanh, name: "hidden"), Dense(units: 2, activation: .softmax, name: "out")], seed: 4)
        let parameters = model.parameters
        let optimizer: Optimizer = switch kind {
        case "sgd": SGD(parameters: parameters, learningRate: 0.05, momentum: 0.8, nesterov: true)
        case "adam_amsgrad": Adam(parameters: parameters, learningRate: 0.01, amsgrad: true)
        case "adamw": Adam.adamW(parameters: parameters, learningRate: 0.01, weightDecay: 0.03)
        case "nadam": Nadam(parameters: parameters, learningRate: 0.01, beta1: 0.8)
        default: RMSprop(parameters: parameters, learningRate: 0.01, rho: 0.8, momentum: 0.4, centered: true)
        }
        let inputs = (0..<12).map { Float($0 % 5) / 5 }, labels: [Float] = [0, 1, 1, 0]
        for _ in 0..<2 {
            withUnsafePointers(to: [inputs, labels]) { x in
                _ = model.trainingStep(Batch(count: 4, inputs: [x[0]], targets: [x[1]]), optimizer: optimizer)
            }
        }
        let folder = try TemporaryFolder()
        // A .weights.h5 has no optimizer config to say the class.
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let path = folder.path("\(kind)-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: optimizer, to: path, flavour: flavour)
            let (_, copy) = try load(path)
            let restored = try #require(copy, "\(path)")
            #expect(restored.className == optimizer.className && restored.iterations == 2, "\(path)")
            #expect(restored.hyperparameters.map(\.0) == optimizer.hyperparameters.map(\.0), "\(path)")
            for ((key, a), (_, b)) in zip(restored.hyperparameters, optimizer.hyperparameters) { #expect(Float(a) == Float(b), "\(path): \(key)") }
            #expect(restored.slots.map(\.name) == optimizer.slots.map(\.name), "\(path)")
            for (x, y) in zip(restored.slots, optimizer.slots) {
                #expect(x.tensor.scalars.map(\.bitPattern) == y.tensor.scalars.map(\.bitPattern), "\(path): \(x.name)")
            }
            if let nadam = optimizer as? Nadam {
                #expect(abs(((restored as? Nadam)?.momentumProduct ?? 0) - nadam.momentumProduct) <= 1e-7, "\(path)")
            }
        }
    }

    /// A model of layer classes beyond the notebooks' (Activation layers, softmax last) is written in each form
    /// and read back with the same classes, settings and predictions.
    @Test func aModelWithActivationLayersRoundTripsThroughEveryForm() throws {
        let model = try Sequential(inputShape: [6, 6, 1], layers: [
            Conv2D(filters: 3, kernelSize: (3, 3), name: "conv2d"), ActivationLayer(.relu, name: "activation"),
            Flatten(name: "flatten"), Dense(units: 4, name: "dense"), ActivationLayer(.softmax, name: "activation_1"),
        ], seed: 3)
        let input = (0..<72).map { Float($0 % 7) / 7 }
        let expected = try model.predict(input)
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let path = folder.path("activations-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: nil, to: path, flavour: flavour)
            let loaded = try ModelLoader.load(path)
            #expect(loaded.model.layers.map(\.className) == ["Conv2D", "Activation", "Flatten", "Dense", "Activation"])
            #expect(loaded.model.layers.compactMap { ($0 as? ActivationLayer)?.activation } == [.relu, .softmax])
            #expect(try loaded.model.predict(input) == expected, "\(path)")
        }
    }

    /// A model of every weightless layer class beyond the notebooks' is written in each form and read back with
    /// the same classes, settings and predictions; Keras 2's file names LeakyReLU's slope `alpha`.
    @Test func weightlessLayersRoundTripThroughEveryForm() throws {
        let model = try Sequential(inputShape: [64], layers: [
            Rescaling(scale: 1 / 255, offset: -0.5, name: "rescaling"), Reshape([8, -1, 1], name: "reshape"),
            Cropping2D(top: 1, bottom: 0, left: 0, right: 2, name: "cropping2d"), Conv2D(filters: 3, kernelSize: (2, 2), name: "conv2d"),
            ReLU(maxValue: 6, negativeSlope: 0.1, threshold: 0.5, name: "re_lu"), LeakyReLU(negativeSlope: 0.2, name: "leaky_re_lu"),
            ELU(alpha: 0.5, name: "elu"), Permute([2, 1, 3], name: "permute"), GlobalPooling2D(.max, keepDimensions: true, name: "gmp"),
            Reshape([3], name: "reshape_1"), Softmax(axis: -1, name: "softmax"),
        ], seed: 5)
        let input = (0..<128).map { Float(($0 * 37) % 256) }
        let expected = try model.predict(input)
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let path = folder.path("weightless-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: nil, to: path, flavour: flavour)
            let loaded = try ModelLoader.load(path)
            #expect(loaded.model.layers.map(\.className) == model.layers.map(\.className))
            let relu = try #require(loaded.model.layers[4] as? ReLU)
            #expect(relu.maxValue == 6 && relu.negativeSlope == 0.1 && relu.threshold == 0.5)
            #expect((loaded.model.layers[5] as? LeakyReLU)?.negativeSlope == 0.2)
            #expect((loaded.model.layers[0] as? Rescaling)?.scale == Float(1) / 255)
            #expect((loaded.model.layers[8] as? GlobalPooling2D)?.keepDimensions == true)
            #expect(try loaded.model.predict(input) == expected, "\(path)")
        }
        let keras2 = try KerasFile.open(folder.path("weightless-keras2.h5"))
        let leaky = try #require(keras2.modelConfigJSON?["config"]?["layers"]?.arrayValue?.first { $0["class_name"]?.stringValue == "LeakyReLU" })
        #expect(leaky["config"]?["alpha"]?.doubleValue == 0.2 && leaky["config"]?["negative_slope"] == nil)
    }

    /// Depthwise and separable convolutions keep their options through every form, and each flavour names
    /// the depthwise kernel as its Keras does (`kernel` in Keras 3, `depthwise_kernel` in Keras 2).
    @Test func depthwiseKernelsAreNamedAsEachFlavourNamesThem() throws {
        let model = try Sequential(inputShape: [9, 8, 2], layers: [
            DepthwiseConv2D(kernelSize: (3, 2), padding: .same, depthMultiplier: 2, dilationRate: (2, 1), activation: .relu, name: "depthwise"),
            SeparableConv2D(filters: 3, kernelSize: (3, 3), strides: (2, 2), depthMultiplier: 2, name: "separable"), Flatten(name: "flatten"),
        ], seed: 4)
        let input = (0..<144).map { Float($0 % 7) / 7 }
        let expected = try model.predict(input)
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let path = folder.path("depthwise-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: nil, to: path, flavour: flavour)
            let loaded = try ModelLoader.load(path)
            let depthwise = try #require(loaded.model.layers[0] as? DepthwiseConv2D), separable = try #require(loaded.model.layers[1] as? SeparableConv2D)
            #expect(depthwise.depthMultiplier == 2 && depthwise.dilationRate == [2, 1] && depthwise.padding == .same && depthwise.activation == .relu)
            #expect(separable.strides == [2, 2] && separable.depthMultiplier == 2 && separable.filters == 3)
            #expect(try loaded.model.predict(input) == expected, "\(path)")
            guard extension_ == "h5" else { continue }
            let names = try KerasFile.open(path).inventory().layers.flatMap { $0.weights.map(\.name) }
            #expect(names == (flavour == .keras2
                ? ["depthwise/depthwise_kernel:0", "depthwise/bias:0", "separable/depthwise_kernel:0", "separable/pointwise_kernel:0", "separable/bias:0"]
                : ["sequential/depthwise/kernel", "sequential/depthwise/bias", "sequential/separable/depthwise_kernel",
                   "sequential/separable/pointwise_kernel", "sequential/separable/bias"]), "\(path)")
        }
    }

    /// TimeDistributed keeps its wrapped layer's config and weights through every form: the weights at the
    /// nested saveable path `layer/vars/<i>` of `.weights.h5`, and in legacy `.h5` files under the names each
    /// flavour gives them (Keras 3 puts the wrapped layer's name in, Keras 2 does not).
    @Test func timeDistributedNestsItsLayerInEveryForm() throws {
        let model = try Sequential(inputShape: [3, 4, 4, 1], layers: [
            TimeDistributed(Conv2D(filters: 2, kernelSize: (2, 2), activation: .relu, name: "conv"), name: "frames"),
            TimeDistributed(Flatten(name: "flat"), name: "flat_frames"),
            TimeDistributed(Dense(units: 3, activation: .tanh, name: "head"), name: "steps"),
        ], seed: 6)
        let input = (0..<96).map { Float(($0 * 13) % 17) / 17 }
        let expected = try model.predict(input)
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms {
            let path = folder.path("time-distributed-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: nil, to: path, flavour: flavour)
            let loaded = extension_ == "weights.h5" ? model : try ModelLoader.load(path).model
            if extension_ == "weights.h5" {
                let copy = try Sequential(inputShape: [3, 4, 4, 1], layers: [
                    TimeDistributed(Conv2D(filters: 2, kernelSize: (2, 2), activation: .relu)), TimeDistributed(Flatten()),
                    TimeDistributed(Dense(units: 3, activation: .tanh)),
                ])
                _ = try ModelLoader.loadWeights(path, into: copy)
                #expect(try copy.predict(input) == expected)
                let stored = try KerasFile.open(path).inventory().layers.map { $0.weights.map(\.name) }
                #expect(stored == [["layer/vars/0", "layer/vars/1"], [], ["layer/vars/0", "layer/vars/1"]])
                continue
            }
            let wrapped = try #require(loaded.layers[2] as? TimeDistributed)
            #expect((wrapped.layer as? Dense)?.units == 3 && (wrapped.layer as? Dense)?.activation == .tanh && wrapped.layer.name == "head")
            #expect(try loaded.predict(input) == expected, "\(path)")
            guard extension_ == "h5" else { continue }
            let names = try KerasFile.open(path).inventory().layers.flatMap { $0.weights.map(\.name) }
            #expect(names == (flavour == .keras2
                ? ["frames/kernel:0", "frames/bias:0", "steps/kernel:0", "steps/bias:0"]
                : ["sequential/frames/conv/kernel", "sequential/frames/conv/bias", "sequential/steps/head/kernel", "sequential/steps/head/bias"]),
                    "\(path)")
        }
    }

    /// SimpleRNN, LSTM and GRU keep their options and weights through every form: the weights at the cell's
    /// saveable path `cell/vars/<i>`, in legacy `.h5` files under the cell's name (`lstm_cell/kernel`), and
    /// each flavour's own keys (Keras 2's `time_major` and `implementation`, Keras 3's
    /// `zero_output_for_mask` and `seed`).
    @Test func recurrentLayersKeepTheirWeightsInTheirCells() throws {
        func layers() -> [Layer] {
            [LSTM(units: 3, recurrentActivation: .softsign, unitForgetBias: false, returnSequences: true, name: "lstm"),
             GRU(units: 2, activation: .relu, resetAfter: false, returnSequences: true, goBackwards: true, name: "gru"),
             SimpleRNN(units: 2, useBias: false, name: "rnn")]
        }
        let model = try Sequential(inputShape: [4, 2], layers: layers(), seed: 4)
        let input = (0..<24).map { Float(($0 * 7) % 11) / 11 - 0.5 }
        let expected = try model.predict(input)
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms {
            let path = folder.path("recurrent-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: nil, to: path, flavour: flavour)
            if extension_ == "weights.h5" {
                let copy = try Sequential(inputShape: [4, 2], layers: layers())
                _ = try ModelLoader.loadWeights(path, into: copy)
                #expect(try copy.predict(input) == expected)
                let stored = try KerasFile.open(path).inventory().layers.map { $0.weights.map(\.name) }
                #expect(stored == [["cell/vars/0", "cell/vars/1", "cell/vars/2"], ["cell/vars/0", "cell/vars/1", "cell/vars/2"],
                                   ["cell/vars/0", "cell/vars/1"]])
                continue
            }
            let loaded = try ModelLoader.load(path).model
            #expect(try loaded.predict(input) == expected, "\(path)")
            let lstm = try #require(loaded.layers[0] as? LSTM), gru = try #require(loaded.layers[1] as? GRU)
            #expect(lstm.recurrentActivation == .softsign && !lstm.unitForgetBias && lstm.returnSequences)
            #expect(gru.activation == .relu && !gru.resetAfter && gru.goBackwards && gru.bias?.shape == [6])
            #expect(loaded.layers[2].parameters.count == 2)
            let config = try #require(try KerasFile.open(path).modelConfigJSON)["config"]?["layers"]?.arrayValue
            let keys = Set(try #require(config?.last?["config"]?.objectValue).keys)
            #expect(keys.contains("time_major") == (flavour == .keras2) && keys.contains("zero_output_for_mask") == (flavour == .keras3))
            guard extension_ == "h5" else { continue }
            let names = try KerasFile.open(path).inventory().layers.flatMap { $0.weights.map(\.name) }
            #expect(names.prefix(4) == (flavour == .keras2
                ? ["lstm/lstm_cell/kernel:0", "lstm/lstm_cell/recurrent_kernel:0", "lstm/lstm_cell/bias:0", "gru/gru_cell/kernel:0"]
                : ["sequential/lstm/lstm_cell/kernel", "sequential/lstm/lstm_cell/recurrent_kernel", "sequential/lstm/lstm_cell/bias",
                   "sequential/gru/gru_cell/kernel"]), "\(path)")
        }
    }

    /// Masking's value, Embedding's mask_zero and a recurrent layer's zero_output_for_mask come back from every
    /// form, with the masked predictions; Keras 2 writes zero_output_for_mask only when it is set, as tf-keras.
    @Test func maskOptionsRoundTripThroughEveryForm() throws {
        let lstm = LSTM(units: 3, returnSequences: true, name: "lstm")
        lstm.zeroOutputForMask = true
        let series = try Sequential(inputShape: [4, 2], layers: [Masking(maskValue: -1, name: "pad"), lstm, Dense(units: 2, name: "out")], seed: 4)
        let embedding = Embedding(inputDimension: 6, outputDimension: 3, name: "words")
        embedding.maskZero = true
        let text = try Sequential(inputShape: [4], layers: [embedding, GRU(units: 2, name: "gru")], seed: 4)
        let seriesInput: [Float] = [0.5, 1, -1, -1, 0.25, -0.5, -1, -1] + [-1, -1, 0.5, 0.5, 1, 0, -0.25, 1]
        let textInput: [Float] = [1, 5, 0, 0, 0, 2, 3, 4]
        let expected = (try series.predict(seriesInput), try text.predict(textInput))
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let seriesPath = folder.path("series-\(flavour.rawValue).\(extension_)"), textPath = folder.path("text-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(series, optimizer: nil, to: seriesPath, flavour: flavour)
            try ModelWriter.save(text, optimizer: nil, to: textPath, flavour: flavour)
            let loadedSeries = try ModelLoader.load(seriesPath).model, loadedText = try ModelLoader.load(textPath).model
            #expect(try loadedSeries.predict(seriesInput) == expected.0 && loadedText.predict(textInput) == expected.1, "\(seriesPath)")
            #expect((loadedSeries.layers[0] as? Masking)?.maskValue == -1 && (loadedSeries.layers[1] as? LSTM)?.zeroOutputForMask == true)
            #expect((loadedText.layers[0] as? Embedding)?.maskZero == true && (loadedText.layers[1] as? GRU)?.zeroOutputForMask == false)
            let config = { (path: String) in try #require(try KerasFile.open(path).modelConfigJSON)["config"]?["layers"]?.arrayValue }
            let recurrent = try config(seriesPath)?.first { $0["class_name"]?.stringValue == "LSTM" }?["config"]
            #expect(recurrent?["zero_output_for_mask"]?.boolValue == true)
            let gru = try config(textPath)?.first { $0["class_name"]?.stringValue == "GRU" }?["config"]
            #expect((gru?["zero_output_for_mask"] == nil) == (flavour == .keras2), "\(textPath)")
        }
    }

    /// An encoder's returned states reach a decoder's initial_state through every form: Keras 3 writes them as
    /// the call's `initial_state` keyword and references `[encoder, 0, 1]`, Keras 2 lists them after the sequence.
    @Test func returnedStatesReachInitialStatesThroughEveryForm() throws {
        func nodes() -> [Node] {
            let encoder = LSTM(units: 3, name: "encoder")
            encoder.returnState = true
            return [Node(encoder, inputs: [.input(0)]), Node(LSTM(units: 3, returnSequences: true, name: "decoder"),
                                                            inputs: [.input(1), .node(0, tensor: 1), .node(0, tensor: 2)]),
                    Node(Dense(units: 1, name: "out"), inputs: [.node(1)])]
        }
        let inputs = [Model.Input(name: "source", shape: [4, 2]), Model.Input(name: "target", shape: [3, 2])]
        let model = try Model(name: "seq2seq", inputs: inputs, nodes: nodes(), seed: 4)
        let source: [Float] = (0..<16).map { Float($0 % 5) / 5 - 0.4 }, target: [Float] = (0..<12).map { Float($0 % 3) / 3 }
        let x = [source, target]
        let expected = try model.predictEach(x, batchSize: 2)
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let path = folder.path("seq2seq-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: nil, to: path, flavour: flavour)
            let loaded = try ModelLoader.load(path).model
            #expect(try loaded.predictEach(x, batchSize: 2) == expected, "\(path)")
            #expect(loaded.nodes[1].inputs == [.input(1), .node(0, tensor: 1), .node(0, tensor: 2)], "\(path)")
            let config = try #require(try KerasFile.open(path).modelConfigJSON)["config"]?["layers"]?.arrayValue
            let call = config?.first { $0["name"]?.stringValue == "decoder" }?["inbound_nodes"]?.arrayValue?.first
            if flavour == .keras3 {
                let states = call?["kwargs"]?["initial_state"]?.arrayValue?.map { $0["config"]?["keras_history"]?.arrayValue?[2].intValue }
                #expect(states == [1, 2], "\(path)")
            } else {
                #expect(call?.arrayValue?.map { $0.arrayValue?[2].intValue } == [0, 1, 2], "\(path)")
            }
        }
    }

    /// Bidirectional keeps both layers through every form: at `forward_layer/cell/vars` and
    /// `backward_layer/cell/vars`, under their prefixed names in legacy `.h5` files and their optimizer slots;
    /// Keras 2 configs carry the names without the prefixes, which tf-keras adds.
    @Test func bidirectionalKeepsBothLayersInEveryForm() throws {
        func layers() -> [Layer] {
            [Bidirectional(LSTM(units: 3, returnSequences: true, name: "forward_lstm"),
                           backwardLayer: GRU(units: 2, returnSequences: true, goBackwards: true, name: "backward_gru"), name: "both"),
             Flatten(name: "flat"), Dense(units: 2, name: "out")]
        }
        let model = try Sequential(inputShape: [4, 2], layers: layers(), seed: 4)
        model.loss = .meanSquaredError
        let optimizer = Adam(parameters: model.parameters)
        withUnsafePointers(to: [(0..<16).map { Float($0 % 5) / 5 }, [0.5, -0.5, 0.25, 0]]) { x in
            _ = model.trainingStep(Batch(count: 2, inputs: [x[0]], targets: [x[1]]), optimizer: optimizer)
        }
        let input = (0..<24).map { Float(($0 * 7) % 11) / 11 - 0.5 }
        let expected = try model.predict(input)
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms {
            let path = folder.path("bidirectional-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: optimizer, to: path, flavour: flavour)
            if extension_ == "weights.h5" {
                let copy = try Sequential(inputShape: [4, 2], layers: layers())
                _ = try ModelLoader.loadWeights(path, into: copy)
                #expect(try copy.predict(input) == expected)
                let stored = try KerasFile.open(path).inventory().layers.first?.weights.map(\.name)
                #expect(stored == ["backward_layer/cell/vars/0", "backward_layer/cell/vars/1", "backward_layer/cell/vars/2",
                                   "forward_layer/cell/vars/0", "forward_layer/cell/vars/1", "forward_layer/cell/vars/2"])
                continue
            }
            let loaded = try ModelLoader.load(path).model
            #expect(try loaded.predict(input) == expected, "\(path)")
            let layer = try #require(loaded.layers[0] as? Bidirectional)
            #expect(layer.forwardLayer.name == "forward_lstm" && layer.backwardLayer.name == "backward_gru" && layer.backwardLayer is GRU)
            let config = try #require(try KerasFile.open(path).modelConfigJSON)["config"]?["layers"]?.arrayValue
            let names = ["layer", "backward_layer"].map { config?.first(where: { $0["class_name"]?.stringValue == "Bidirectional" })?["config"]?[$0]?["config"]?["name"]?.stringValue }
            #expect(names == (flavour == .keras2 ? ["lstm", "gru"] : ["forward_lstm", "backward_gru"]), "\(path)")
            guard extension_ == "h5" else { continue }
            let file = try KerasFile.open(path)
            let weights = try file.inventory().layers.first?.weights.map(\.name)
            #expect(weights?.first == (flavour == .keras2 ? "both/forward_lstm/lstm_cell/kernel:0" : "sequential/both/forward_lstm/lstm_cell/kernel"))
            #expect(weights?[3] == (flavour == .keras2 ? "both/backward_gru/gru_cell/kernel:0" : "sequential/both/backward_gru/gru_cell/kernel"))
            let slots = try file.inventory().optimizerWeights.map(\.name)
            #expect(slots.contains(flavour == .keras2 ? "Adam/m/both/backward_gru/gru_cell/kernel:0"
                                                     : "Adam/sequential_both_backward_gru_gru_cell_kernel_momentum"), "\(slots)")
        }
    }

    /// Every activation round-trips by its Keras 3 name; a Keras 2 file calls silu `swish`, and refuses, naming
    /// the layer, an activation tf-keras does not have, leaving no file behind. Keras 2's hard_sigmoid, also
    /// inside a recurrent layer, is written to Keras 2 files by that name and read back as itself, and refused
    /// for Keras 3.
    @Test func activationsAreWrittenByTheFlavoursNames() throws {
        let activations = Activation.allCases.filter { $0 != .softmax && $0 != .hardSigmoidKeras2 }
        let model = try Sequential(inputShape: [4], layers: activations.enumerated().map { index, activation in
            Dense(units: 4, activation: activation, name: "dense_\(index)")
        } + [Dense(units: 3, activation: .softmax, name: "out")], seed: 2)
        let folder = try TemporaryFolder()
        let path = folder.path("activations.keras")
        try ModelWriter.save(model, optimizer: nil, to: path)
        #expect(try ModelLoader.load(path).model.layers.compactMap { ($0 as? Dense)?.activation } == activations + [.softmax])
        let keras2Path = folder.path("activations-keras2.h5")
        let error = #expect(throws: KerasFormatError.self) { try ModelWriter.save(model, optimizer: nil, to: keras2Path, flavour: .keras2) }
        #expect(error?.object == "layer dense_4" && error?.problem == .notWritable("uses the activation relu6, which Keras 2 does not have"))
        #expect(!FileManager.default.fileExists(atPath: keras2Path))
        let keras2Model = try Sequential(inputShape: [4], layers: [Dense(units: 4, activation: .silu, name: "dense"), Dense(units: 3, activation: .softmax, name: "out")], seed: 2)
        try ModelWriter.save(keras2Model, optimizer: nil, to: keras2Path, flavour: .keras2)
        let config = try #require(try KerasFile.open(keras2Path).modelConfigJSON)
        #expect(config["config"]?["layers"]?.arrayValue?[1]["config"]?["activation"]?.stringValue == "swish")
        #expect(try ModelLoader.load(keras2Path).model.layers.compactMap { ($0 as? Dense)?.activation } == [.silu, .softmax])
        let old = try Sequential(inputShape: [3, 2], layers: [
            Bidirectional(LSTM(units: 2, recurrentActivation: .hardSigmoidKeras2, name: "forward_lstm"),
                          backwardLayer: LSTM(units: 2, recurrentActivation: .hardSigmoidKeras2, goBackwards: true, name: "backward_lstm"),
                          name: "both")], seed: 2)
        let oldPath = folder.path("keras2-hard-sigmoid.h5")
        try ModelWriter.save(old, optimizer: nil, to: oldPath, flavour: .keras2)
        let layer = try ModelLoader.load(oldPath).model.layers.first as? Bidirectional
        #expect((layer?.forwardLayer as? LSTM)?.recurrentActivation == .hardSigmoidKeras2)
        let keras3 = #expect(throws: KerasFormatError.self) { try ModelWriter.save(old, optimizer: nil, to: folder.path("new.keras")) }
        #expect(keras3?.object == "layer both" && keras3?.problem == .notWritable("uses the activation hard_sigmoid (Keras 2), which Keras 3 does not have"))
    }

    /// A functional graph (branches, a merge, a Concatenate taking one output twice, a shared layer whose
    /// second call takes a layer written after it) is written in each form and read back with the same graph
    /// and predictions.
    @Test func aFunctionalGraphRoundTripsThroughEveryForm() throws {
        let shared = Conv2D(filters: 3, kernelSize: (3, 3), padding: .same, activation: .tanh, name: "shared")
        let nodes = [
            Node(Conv2D(filters: 3, kernelSize: (3, 3), padding: .same, activation: .relu, name: "left"), inputs: [.input(0)]),
            Node(shared, inputs: [.node(0)]),
            Node(Conv2D(filters: 3, kernelSize: (3, 3), padding: .same, activation: .gelu, name: "right"), inputs: [.input(0)]),
            Node(shared, inputs: [.node(2)]),
            Node(Merge(.add, name: "sum"), inputs: [.node(1), .node(3)]),
            Node(Concatenate(name: "joined"), inputs: [.node(4), .node(0), .node(4)]),
            Node(GlobalPooling2D(.average, name: "pool"), inputs: [.node(5)]),
            Node(Dense(units: 4, activation: .softmax, name: "out"), inputs: [.node(6)]),
        ]
        let model = try Model(name: "graph", inputShape: [6, 6, 1], nodes: nodes, seed: 7)
        let input = (0..<72).map { Float($0 % 9) / 9 }
        let expected = try model.predict(input)
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let path = folder.path("graph-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: nil, to: path, flavour: flavour)
            let loaded = try ModelLoader.load(path).model
            #expect(!(loaded is Sequential))
            #expect(loaded.nodes.map(\.layer.name) == nodes.map(\.layer.name) && loaded.nodes.map(\.inputs) == nodes.map(\.inputs), "\(path)")
            #expect(loaded.nodes[1].layer === loaded.nodes[3].layer && loaded.layers.count == 7, "\(path)")
            #expect(try loaded.predict(input) == expected, "\(path)")
        }
    }

    @Test(arguments: [Loss.sparseCategoricalCrossentropy, Loss(.categoricalCrossentropy, fromLogits: true), Loss(.binaryCrossentropy),
                      Loss(.binaryCrossentropy, fromLogits: true), Loss(.meanSquaredError)])
    func theLossIsWrittenAndReadBack(_ loss: Loss) throws {
        let model = try Sequential(inputShape: [4], layers: [Dense(units: 3, activation: .sigmoid)], seed: 2)
        model.loss = loss
        let optimizer = Adam(parameters: model.parameters)
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let path = folder.path("loss-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: optimizer, to: path, flavour: flavour)
            let loaded = try ModelLoader.load(path)
            #expect(loaded.losses == [loss] && loaded.model.loss == loss && loaded.unsupportedLoss == nil, "\(path)")
        }
    }

    /// Metrics by name and configured, weighted or not, are written as Keras's compile config lists them and
    /// read back the same from every form.
    @Test func theMetricsAreWrittenAndReadBack() throws {
        let model = try Sequential(inputShape: [4], layers: [Dense(units: 3, activation: .sigmoid)], seed: 2)
        model.loss = Loss(.binaryCrossentropy)
        try model.setMetrics([[.accuracy, try Metric(kerasName: "mae"), try Metric(kerasName: "AUC"), Metric(.precision(threshold: 0.3)),
                          Metric(.binaryAccuracy(threshold: 0.7), name: "strict"), Metric(.mean(of: Loss(.binaryCrossentropy, fromLogits: true,
                                                                                                          labelSmoothing: 0.1))),
                          Metric(.auc(.init(thresholdCount: 50, summation: .majoring, fromLogits: true)), name: "auc_50"),
                          Metric(.auc(.init(thresholds: [0.1, 0.2, 0.9])), name: "auc_uneven"),
                          Metric(.topKCategoricalAccuracy(k: 2)), Metric(.cosineSimilarity), try Metric(kerasName: "mse", weighted: true)]])
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let path = folder.path("metrics-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: Adam(parameters: model.parameters), to: path, flavour: flavour)
            let loaded = try ModelLoader.load(path)
            #expect(loaded.notices.isEmpty, "\(path): \(loaded.notices)")
            #expect(loaded.model.metrics == model.metrics, "\(path)")
        }
    }

    /// A model with two outputs, one of which also feeds the other's head, is written in each form with its
    /// outputs, each output's loss and the loss weights, and read back with the same predictions of each.
    @Test func aModelWithSeveralOutputsRoundTripsWithItsLossesAndWeights() throws {
        let nodes = [
            Node(Dense(units: 6, activation: .relu, name: "trunk"), inputs: [.input(0)]),
            Node(Dense(units: 3, activation: .softmax, name: "auxiliary"), inputs: [.node(0)]),
            Node(Concatenate(name: "joined"), inputs: [.node(0), .node(1)]),
            Node(Dense(units: 3, name: "main"), inputs: [.node(2)]),
        ]
        let model = try Model(name: "heads", inputShape: [4], nodes: nodes, outputs: [3, 1], seed: 4)
        try model.setLosses([Loss(.sparseCategoricalCrossentropy, fromLogits: true), Loss(.categoricalCrossentropy)], weights: [1, 0.25])
        try model.setMetrics([[.accuracy, Metric(.sparseTopKCategoricalAccuracy(k: 2), name: "top2")],
                              [.meanSquaredError, Metric(.auc(.init(curve: .pr)), weighted: true)]])
        let input = (0..<20).map { Float($0 % 7) / 7 }
        let expected = try model.predictEach(input)
        try forEachFullModelForm(of: model) { path, loaded throws in
            #expect(loaded.model.outputNames == ["main", "auxiliary"] && loaded.model.outputs == [3, 1], "\(path)")
            #expect(loaded.losses == model.losses && loaded.model.lossWeights == [1, 0.25], "\(path)")
            #expect(loaded.model.metrics == model.metrics, "\(path)")
            #expect(try loaded.model.predictEach(input) == expected, "\(path)")
        }
    }

    /// A model with two inputs, one of them int32, is written in each form with its inputs' names, shapes and
    /// dtypes in order, and read back with the same predictions.
    @Test func aModelWithSeveralInputsRoundTripsWithTheirNamesAndDtypes() throws {
        let nodes = [
            Node(Flatten(name: "flat"), inputs: [.input(0)]),
            Node(Dense(units: 4, activation: .relu, name: "image_branch"), inputs: [.node(0)]),
            Node(Dense(units: 2, name: "code_branch"), inputs: [.input(1)]),
            Node(Concatenate(name: "joined"), inputs: [.node(1), .node(2)]),
            Node(Dense(units: 1, activation: .sigmoid, name: "verdict"), inputs: [.node(3)]),
        ]
        let inputs = [Model.Input(name: "image", shape: [2, 3]), Model.Input(name: "codes", shape: [3], dtype: .int32)]
        let model = try Model(name: "two_inputs", inputs: inputs, nodes: nodes, seed: 8)
        model.loss = Loss(.binaryCrossentropy)
        try model.setMetrics([[.accuracy]])
        let x = [(0..<30).map { Float($0 % 9) / 9 }, (0..<15).map { Float($0 % 4) }]
        let expected = try model.predictEach(x)
        try forEachFullModelForm(of: model) { path, loaded throws in
            #expect(loaded.model.inputs == inputs, "\(path): \(loaded.model.inputs)")
            #expect(try loaded.model.predictEach(x) == expected, "\(path)")
        }
    }

    /// Layers built without names are numbered as Keras numbers them; a layer renamed afterwards to another's
    /// name makes every save refuse the model, writing nothing.
    @Test func twoLayersOfOneNameAreNeverWritten() throws {
        let model = try Sequential(inputShape: [4], layers: [Dense(units: 3), Dense(units: 2), Dense(units: 1)])
        #expect(model.layers.map(\.name) == ["dense", "dense_1", "dense_2"])
        model.layers[2].name = "dense"
        let folder = try TemporaryFolder()
        for extension_ in ["keras", "h5", "weights.h5"] {
            let path = folder.path("twice.\(extension_)")
            let error = #expect(throws: KerasFormatError.self) { try ModelWriter.save(model, optimizer: nil, to: path) }
            #expect("\(error!)".contains("layer dense: shares its name with another layer or input of the model"), "\(error!)")
            #expect(!FileManager.default.fileExists(atPath: path))
        }
    }

    /// `model` saved with an Adam state in each form that holds a whole model (all but `.weights.h5`), then
    /// loaded back: `body` gets each file's path and what was loaded from it.
    private func forEachFullModelForm(of model: Model, _ body: (String, LoadedModel) throws -> Void) throws {
        let folder = try TemporaryFolder()
        for (extension_, flavour) in Self.forms where extension_ != "weights.h5" {
            let path = folder.path("\(model.name)-\(flavour.rawValue).\(extension_)")
            try ModelWriter.save(model, optimizer: Adam(parameters: model.parameters), to: path, flavour: flavour)
            try body(path, try ModelLoader.load(path))
        }
    }

    /// Every group, dataset (shape, dtype) and attribute (type, shape; the name lists by value) of a file.
    private func structure(_ path: String) throws -> [String] {
        var lines: [String] = []
        let root = try KerasFile.open(path).hdf5.root
        func visit(_ group: Group) throws {
            lines.append("group \(group.path)" + (try attributes(group)))
            for link in try group.links() {
                let child = group.path == "/" ? "/" + link.name : group.path + "/" + link.name
                switch link.kind {
                case .group: try visit(try root.group(child))
                case .dataset:
                    let dataset = try root.dataset(child)
                    lines.append("dataset \(child) \(try dataset.shape()) \(try dataset.elementType())" + (try attributes(dataset)))
                default: lines.append("link \(child)")
                }
            }
        }
        func attributes(_ holder: some AttributeHolder) throws -> String {
            try holder.attributes().map { attribute in
                let value = ["layer_names", "weight_names"].contains(attribute.name) ? " \(attribute.value)" : ""
                return " @\(attribute.name):\(attribute.elementType)\(attribute.shape)\(value)"
            }.joined()
        }
        try visit(root)
        return lines
    }

    @Test(arguments: [
        ("LeNet5.h5", "h5", KerasFlavour.keras3),
        ("MNIST-numbers-cnn.h5", "h5", .keras2),
        ("LeNet5.weights.h5", "weights.h5", .keras3),
    ])
    func exportsHaveTheStructureKerasWrote(file: String, extension_: String, flavour: KerasFlavour) throws {
        let (loaded, optimizer) = try load(SharedData.reference(file))
        let folder = try TemporaryFolder()
        let path = folder.path("export.\(extension_)")
        try ModelWriter.save(loaded.model, optimizer: optimizer, to: path, flavour: flavour)
        let ours = try structure(path), theirs = try structure(SharedData.reference(file))
        #expect(theirs.count > 20)
        #expect(ours == theirs, "first difference: \(zip(ours, theirs).first { $0 != $1 }.map { "\($0) vs \($1)" } ?? "lengths \(ours.count) vs \(theirs.count)")")
    }

    @Test func kerasArchivesHoldTheThreeMembersKerasWrites() throws {
        let (loaded, optimizer) = try load(SharedData.reference("LeNet5.h5"))
        let folder = try TemporaryFolder()
        let path = folder.path("model.keras")
        try ModelWriter.save(loaded.model, optimizer: optimizer, to: path)
        let archive = try KerasArchive.read(path)
        // The weights come first (libhdf5 writes them straight into the archive); Keras reads members by name.
        #expect(archive.members.map(\.path) == ["model.weights.h5", "metadata.json", "config.json"])
        #expect(archive.members.allSatisfy { !$0.isCompressed })
        #expect(archive.config["class_name"]?.stringValue == "Sequential")
        #expect(archive.config["compile_config"]?["optimizer"]?["class_name"]?.stringValue == "SGD")
        #expect(archive.metadata?["keras_version"]?.stringValue == "3.3.3")
    }

    @Test func longNameListsAreSplitLikeKerasAndJoinedBack() throws {
        let folder = try TemporaryFolder()
        let root = try File.create(folder.path("names.h5")).root
        let names = (0..<3000).map { "layer_with_a_rather_long_name_\($0)" }
        try SplitAttribute.write(names, as: "layer_names", to: root)
        #expect(!root.hasAttribute("layer_names"))
        #expect(root.hasAttribute("layer_names0") && root.hasAttribute("layer_names1"))
        #expect(try SplitAttribute.strings("layer_names", of: root) == names)
        try SplitAttribute.write([], as: "weight_names", to: root)
        #expect(try root.attribute("weight_names").elementType == .float(bytes: 8))
        #expect(try SplitAttribute.strings("weight_names", of: root).isEmpty)
    }
}

/// A failed export leaves no half-written file and no temporary file behind.
@Suite struct FailedExportTests {
    private func model() throws -> Model { try Architecture.load(SharedData.reference("LeNet5.h5")).model }

    private func leftovers(in folder: String) throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }
    }

    @Test func missingFolderIsNamed() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("no/such/folder/model.h5")
        let error = #expect(throws: (any Error).self) { try ModelWriter.save(try model(), optimizer: nil, to: path) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("does not exist"))
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func readOnlyFolderIsRefused() throws {
        // Root may write into a 0555 folder; it may not write into /sys.
        let folder = try TemporaryFolder()
        let readOnly: String
        if geteuid() == 0 {
            readOnly = "/sys/kernel"
        } else {
            readOnly = folder.path("locked")
            try FileManager.default.createDirectory(atPath: readOnly, withIntermediateDirectories: false)
            try FileManager.default.setAttributes([.posixPermissions: 0o555], ofItemAtPath: readOnly)
        }
        for name in ["model.h5", "model.weights.h5", "model.keras"] {
            let path = readOnly + "/" + name
            #expect(throws: (any Error).self) { try ModelWriter.save(try model(), optimizer: nil, to: path) }
            #expect(!FileManager.default.fileExists(atPath: path))
            #expect(try leftovers(in: readOnly).isEmpty)
        }
    }

    @Test func fileOpenElsewhereIsNotReplaced() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("model.h5")
        try FileManager.default.copyItem(atPath: SharedData.reference("MNIST-numbers-cnn.h5"), toPath: path)
        let before = try Data(contentsOf: URL(fileURLWithPath: path))
        let reader = try File.open(path)
        let error = #expect(throws: (any Error).self) { try ModelWriter.save(try model(), optimizer: nil, to: path) }
        #expect("\(error.map { "\($0)" } ?? "")".contains("is open in another program"))
        withExtendedLifetime(reader) {}
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == before)
        #expect(try leftovers(in: folder.url.path).isEmpty)
    }

    @Test func replacingAClosedFileWorksAtomically() throws {
        let folder = try TemporaryFolder()
        let path = folder.path("model.h5")
        try FileManager.default.copyItem(atPath: SharedData.reference("MNIST-numbers-cnn.h5"), toPath: path)
        try ModelWriter.save(try model(), optimizer: nil, to: path)
        #expect(try Architecture.load(path).architecture == .lenet5)
        #expect(try leftovers(in: folder.url.path).isEmpty)
    }
}
