import Architectures
import Foundation
import KerasFormat
import NeuralNet

/// Model configs that are hostile: sizes whose arithmetic overflows, numbers Keras never writes, graphs that
/// name a layer twice, have no layers or reach out of a nested model, training settings out of range, and a
/// graph of nearly ten thousand layers. Each comes as a config to train (`train --model`) and, where a model
/// file can carry it, in a legacy `.h5` for the other uses.
enum LayerConfigCases {
    static func write(_ writer: inout HostileCorpus.Writer) throws {
        let lenet = try Architecture.lenet5.makeModel(seed: 4)
        /// A config refused, naming `fragment`, both to train and inside a model file.
        func refusedEverywhere(_ name: String, _ fragment: String, _ config: String) throws {
            try writer.add("\(name).json", [.trainConfig: .refused(fragment)]) { try config.write(toFile: $0, atomically: true, encoding: .utf8) }
            try writer.add("\(name).h5", fragment) { path in try HostileCorpus.legacyWithConfig(lenet, at: path) { _ in config } }
        }
        let intMax = "9223372036854775807", huge = "4611686018427387904"
        let (reshape, cropping, conv, padding) = (Names.reshape, Names.cropping, Names.conv, Names.padding)
        let (maxPooling, flatten, dense) = (Names.maxPooling, Names.flatten, Names.dense)
        let (normalization, batchNormalization, rescaling) = (Names.normalization, Names.batchNormalization, Names.rescaling)

        // Sizes whose products or sums overflow, and sizes no sample can have.
        try refusedEverywhere("reshape-product-overflow", "holds more values than a sample may",
                              sequential([layer(reshape, #""target_shape": [1048576, 1048576, 1048576, 1048576, -1]"#)]))
        try refusedEverywhere("cropping-int-max", "cropping must be",
                              sequential([layer(cropping, #""cropping": [[\#(intMax), \#(intMax)], [0, 0]]"#)]))
        try refusedEverywhere("conv-strides-int-max", "strides must be a positive integer up to 1048576",
                              sequential([layer(conv, #""filters": 4, "kernel_size": 3, "strides": [\#(intMax), 1]"#)]))
        try refusedEverywhere("conv-kernel-2e62", "kernel_size must be a positive integer up to 1048576",
                              sequential([layer(conv, #""filters": 4, "kernel_size": [\#(huge), 3], "padding": "same""#)]))
        try refusedEverywhere("conv-kernel-too-large", "is larger than the limit of",
                              sequential([layer(conv, #""filters": 1048576, "kernel_size": [1024, 1024], "padding": "same""#)]))
        try refusedEverywhere("zero-padding-int-max", "padding must be",
                              sequential([layer(padding, #""padding": [[\#(intMax), 1], [1, 1]]"#)]))
        try refusedEverywhere("pool-size-int-max", "pool_size must be a positive integer up to 1048576",
                              sequential([layer(maxPooling, #""pool_size": [\#(intMax), 2]"#)]))
        try refusedEverywhere("dense-units-2e62", "units must be a positive integer up to 1048576",
                              sequential([layer(flatten, "", name: "f"), layer(dense, #""units": \#(huge)"#)]))
        try refusedEverywhere("padding-past-the-sample-limit", "per sample is larger than the limit",
                              sequential([layer(padding, #""padding": [[1048576, 1048576], [1048576, 1048576]]"#)]))
        // Numbers Keras never writes.
        try refusedEverywhere("normalization-config-variance-negative", "the variance 0 or more",
                              sequential([layer(normalization, #""axis": -1, "mean": 0.5, "variance": -1.0"#)]))
        try refusedEverywhere("batch-normalization-epsilon-1e300", "epsilon must be a finite number",
                              sequential([layer(batchNormalization, #""epsilon": 1e300"#)]))
        try refusedEverywhere("rescaling-scale-nan", "scale must be a finite number",
                              sequential([layer(rescaling, #""scale": NaN"#)]))

        // Graphs Keras never writes, each refused for what it is.
        try refusedEverywhere("duplicate-layer-names", "layer x: is the name of two layers of model s",
                              sequential([layer(flatten, "", name: "x"), layer(dense, #""units": 10"#, name: "x")], head: false))
        try refusedEverywhere("empty-model", "Sequential model s has no layers", #"{"class_name": "Sequential", "config": {"name": "s", "layers": []}}"#)
        try refusedEverywhere("nested-layer-reaching-out", "layer bd: takes its input from f, outside its nested model block",
                              functional(nestedReachingOut))

        // Training settings out of range, or not applied here, in a config's compile_config.
        let compiled = { (compile: String) in sequential([layer(flatten, "")], compile: compile) }
        try writer.add("compile-loss-weight-nan.json", [.trainConfig: .refused("compile_config: loss_weights must be finite numbers")]) {
            try compiled(#""loss": "sparse_categorical_crossentropy", "loss_weights": [NaN]"#).write(toFile: $0, atomically: true, encoding: .utf8)
        }
        try writer.add("compile-learning-rate-nan.json", [.trainConfig: .refused("compile_config optimizer Adam: learning_rate must be")]) {
            try compiled(#""optimizer": {"class_name": "Adam", "config": {"learning_rate": NaN}}"#).write(toFile: $0, atomically: true, encoding: .utf8)
        }
        try writer.add("compile-schedule.json", [.trainConfig: .refused("learning-rate schedule CosineDecay: initial_learning_rate is missing")]) {
            try compiled(#""optimizer": {"class_name": "SGD", "config": {"learning_rate": {"class_name": "CosineDecay", "config": {}}}}"#)
                .write(toFile: $0, atomically: true, encoding: .utf8)
        }
        try writer.add("compile-unknown-loss.json", [.trainConfig: .refused("its loss dice is not supported for training")]) {
            try compiled(#""loss": "dice""#).write(toFile: $0, atomically: true, encoding: .utf8)
        }

        // Every layer class the project reads, in one sound graph: the config fuzzer's richest seed.
        try writer.add("every-layer-class.json", [.trainConfig: .accepted]) { path in
            try ConfigWriter.archiveConfig(try everyLayerClass(), optimizer: nil).pythonJSON.write(toFile: path, atomically: true, encoding: .utf8)
        }

        // Nearly ten thousand layers: time and memory linear in the size of the graph.
        let layers: [Layer] = [Flatten(name: "flatten")] + (0..<4_989).flatMap { index -> [Layer] in
            [Dense(units: 16, name: "dense_\(index)"), ReLU(name: "re_lu_\(index)")]
        } + [Dense(units: 10, activation: .softmax, name: "head")]
        let large = try Sequential(name: "large", inputShape: [28, 28, 1], layers: layers, seed: 6)
        try writer.add("9980-layers.keras", [.predict: .accepted, .resume: .accepted]) { path in
            try ModelWriter.save(large, optimizer: Adam(parameters: large.parameters), to: path)
        }
        try writer.add("9980-layers.json", [.trainConfig: .accepted]) { path in
            try ConfigWriter.archiveConfig(large, optimizer: nil).pythonJSON.write(toFile: path, atomically: true, encoding: .utf8)
        }
    }

    /// A model of a (28, 28, 1) image that uses every layer class the codecs read, each merge joining two
    /// branches, ending in ten probabilities.
    static func everyLayerClass() throws -> Model {
        var nodes: [Node] = []
        /// Appends `layer` called on `inputs` (nil: the model's input) and returns its node.
        func add(_ layer: Layer, _ inputs: Int?...) -> Int {
            nodes.append(Node(layer, inputs: inputs.map { $0.map { NodeInput.node($0) } ?? .input(0) }))
            return nodes.count - 1
        }
        var x = add(Rescaling(scale: 1 / 255.0, offset: -0.5), nil)
        // The image's rows as a sequence, through the 1-D and recurrent layers, all-zero rows masked.
        var rows = add(Reshape([28, 28]), x)
        rows = add(Conv1D(filters: 4, kernelSize: 3, padding: .causal, name: "conv1d"), rows)
        rows = add(Masking(maskValue: 0), rows)
        rows = add(Bidirectional(LSTM(units: 3, returnSequences: true), backwardLayer: LSTM(units: 3, returnSequences: true, goBackwards: true),
                                 mergeMode: .sum), rows)
        rows = add(TimeDistributed(Dense(units: 2, name: "step_dense")), rows)
        rows = add(GRU(units: 3, resetAfter: false, returnSequences: true), rows)
        rows = add(SimpleRNN(units: 4), rows)
        x = add(GaussianNoise(standardDeviation: 0.1), x)
        x = add(Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d"), x)
        x = add(BatchNormalization(), x)
        x = add(ReLU(maxValue: 6, negativeSlope: 0.1, threshold: 0.05), x)
        x = add(ZeroPadding2D(top: 1, bottom: 0, left: 0, right: 1), x)
        x = add(Pooling2D(.max, poolSize: (2, 2), padding: .same), x)
        x = add(Cropping2D(top: 1, bottom: 1, left: 1, right: 1), x)
        x = add(SpatialDropout2D(rate: 0.1), x)
        let left = add(LeakyReLU(negativeSlope: 0.2), add(Conv2D(filters: 4, kernelSize: (1, 1), name: "conv2d_1"), x))
        let right = add(ELU(alpha: 0.5), add(Conv2D(filters: 4, kernelSize: (1, 1), name: "conv2d_2"), x))
        let merged = Merge.Kind.allCases.map { add(Merge($0), left, right) }
        x = add(Concatenate(axis: -1), merged[0], merged[1])
        x = merged.dropFirst(2).reduce(x) { sum, next in add(Merge(.add, name: "sum_\(next)"), sum, add(Concatenate(name: "pair_\(next)"), next, next)) }
        x = add(Pooling2D(.average, poolSize: (2, 2)), x)
        x = add(PReLU(sharedAxes: [1, 2]), x)
        x = add(Permute([2, 1, 3]), x)
        x = add(LayerNormalization(), x)
        x = add(Normalization(axes: [-1], mean: [0.1], variance: [2]), x)
        let pooled = add(GlobalPooling2D(.average), x)
        let peaks = add(GlobalPooling2D(.max), x)
        x = add(Concatenate(name: "pooled"), pooled, peaks)
        x = add(Reshape([2, -1]), x)
        x = add(Flatten(), x)
        x = add(Dense(units: 16, name: "dense"), x)
        x = add(ActivationLayer(.gelu), x)
        x = add(Dropout(rate: 0.2), x)
        x = add(GaussianDropout(rate: 0.1), x)
        x = add(AlphaDropout(rate: 0.1), x)
        x = add(ActivityRegularization(l1: 0.01, l2: 0.01), x)
        x = add(Concatenate(name: "with_rows"), x, rows)
        x = add(Dense(units: 10, name: "dense_1"), x)
        _ = add(Softmax(), x)
        return try Model(name: "every_layer_class", inputShape: [28, 28, 1], nodes: nodes, seed: 3)
    }

    /// Class names as the layers spell them (a Keras class name is written only by its layer and its codec).
    enum Names {
        static let reshape = Reshape([1]).className, cropping = Cropping2D(top: 0, bottom: 0, left: 0, right: 0).className
        static let conv = Conv2D(filters: 1, kernelSize: (1, 1)).className, padding = ZeroPadding2D(top: 0, bottom: 0, left: 0, right: 0).className
        static let maxPooling = Pooling2D(.max).className, flatten = Flatten().className, dense = Dense(units: 1).className
        static let normalization = Normalization().className, batchNormalization = BatchNormalization().className
        static let rescaling = Rescaling(scale: 1).className, input = LayerCodecs.inputLayerClassName
    }

    /// A Sequential config of a (28, 28, 1) input, `layers`, then (with `head`) Flatten and a 10-way softmax.
    static func sequential(_ layers: [String], head: Bool = true, compile: String? = nil) -> String {
        let input = #"{"class_name": "\#(Names.input)", "config": {"batch_shape": [null, 28, 28, 1], "name": "in"}}"#
        let tail = head ? [layer(Names.flatten, "", name: "head_flatten"), layer(Names.dense, #""units": 10, "activation": "softmax""#, name: "head")] : []
        return #"{"class_name": "Sequential", "config": {"name": "s", "layers": ["# + ([input] + layers + tail).joined(separator: ", ") + "]}"
            + (compile.map { #", "compile_config": {"# + $0 + "}" } ?? "") + "}"
    }

    /// One Sequential layer entry.
    static func layer(_ className: String, _ entries: String, name: String = "x") -> String {
        #"{"class_name": ""# + className + #"", "config": {"name": ""# + name + "\"" + (entries.isEmpty ? "" : ", " + entries) + "}}"
    }

    /// A functional config of a (28, 28, 1) input named `in`, then `layers` (full entries with inbound nodes),
    /// the last being the output.
    static func functional(_ layers: [String], output: String = "block") -> String {
        let input = #"{"class_name": "\#(Names.input)", "name": "in", "config": {"batch_shape": [null, 28, 28, 1], "name": "in"}, "inbound_nodes": []}"#
        return #"{"class_name": "Functional", "config": {"name": "f", "layers": ["# + ([input] + layers).joined(separator: ", ")
            + #"], "input_layers": [["in", 0, 0]], "output_layers": [[""# + output + #"", 0, 0]]}}"#
    }

    /// A Flatten layer `f`, then a nested model `block` whose Dense layer takes its input from `f`, outside it.
    static var nestedReachingOut: [String] {
        let flatten: String = #"{"class_name": "\#(Names.flatten)", "name": "f", "config": {"name": "f"}, "inbound_nodes": [[["in", 0, 0, {}]]]}"#
        let innerInput: String = #"{"class_name": "\#(Names.input)", "name": "bi", "config": {"batch_shape": [null, 784], "name": "bi"}, "inbound_nodes": []}"#
        let innerDense: String = #"{"class_name": "\#(Names.dense)", "name": "bd", "config": {"name": "bd", "units": 10, "activation": "softmax"}, "inbound_nodes": [[["f", 0, 0, {}]]]}"#
        let block: String = #"{"class_name": "Functional", "name": "block", "config": {"name": "block", "layers": [\#(innerInput), \#(innerDense)], "#
            + #""input_layers": [["bi", 0, 0]], "output_layers": [["bd", 0, 0]]}, "inbound_nodes": [[["f", 0, 0, {}]]]}"#
        return [flatten, block]
    }
}
