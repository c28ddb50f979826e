import NeuralNet

/// Builds a Swift model (a ``Sequential`` or a functional graph) from a Keras model config, accepting both
/// Keras 2 and Keras 3 spellings.
///
/// Regularisers and constraints, which training here does not apply, and initializers this project lacks are
/// ignored with a notice (``notices``).
public struct ModelBuilder {
    /// The file the config came from, for error messages.
    public let file: String
    /// Things the caller should tell the user (ignored settings).
    public private(set) var notices: [Notice] = []

    /// The version of Keras that wrote the file, when known (Keras 2 spells some things its own way).
    public let kerasVersion: String?
    /// The per-sample shape of each input's data, which gives the lengths of the axes a config leaves open
    /// (`None`: a sequence of any length); or nil, for a model without data.
    public var dataShapes: [[Int]]?
    /// The length an open axis takes when no data gives one: a model built only to be converted or inspected,
    /// whose weights do not depend on it (Keras could not build them otherwise); nil refuses open axes.
    public var openAxisLength: Int?

    /// A builder whose errors name `file`, written by `kerasVersion` of Keras when known.
    public init(file: String, kerasVersion: String? = nil) {
        self.file = file
        self.kerasVersion = kerasVersion
    }

    /// The activation names a config may use.
    public static let supportedActivations = Activation.allCases.filter { $0 != .hardSigmoidKeras2 }.map(\.rawValue)

    /// The model: a ``Sequential``, or for a functional config a graph ``Model``.
    /// Refuses unknown layer classes and unsupported options, naming the layer. Its weights are left unset, for
    /// the loader to fill, unless `initializeWeights` asks for each layer's initializers, drawn from `seed`.
    public mutating func build(_ config: ModelConfig, initializeWeights: Bool = false, seed: UInt64 = 0) throws -> Model {
        guard ["Sequential", "Functional", "Model"].contains(config.modelClass) else {
            throw KerasFormatError(file: file, object: "model config", .unsupportedModelClass(config.modelClass))
        }
        let inputs = try modelInputs(config)
        let layers = try config.layers.map { try layer($0) }
        do {
            guard config.isFunctional else {
                return try Sequential(name: config.name, input: inputs[0], layers: layers, seed: seed, initializeWeights: initializeWeights)
            }
            let (nodes, outputs) = try graph(config, layers)
            return try Model(name: config.name, inputs: inputs, nodes: nodes, outputs: outputs, seed: seed,
                             initializeWeights: initializeWeights)
        } catch let error as ModelError {
            throw KerasFormatError(file: file, object: "model config", .invalidModel(error))
        }
    }

    /// The config's inputs, each with a whole shape (every axis but the batch known) and a dtype Keras has.
    private func modelInputs(_ config: ModelConfig) throws -> [Model.Input] {
        guard (1...Model.maximumInputs).contains(config.inputs.count) else {
            throw KerasFormatError(file: file, object: "model config", .unsupportedOption("\(config.inputs.count) inputs (1 to \(Model.maximumInputs) are supported)"))
        }
        return try config.inputs.enumerated().map { position, input in
            let object = config.inputs.count == 1 ? "model config" : "input \(input.name)"
            guard let batchShape = input.batchShape, batchShape.count >= 2 else {
                throw KerasFormatError(file: file, object: object, .incompleteInputShape)
            }
            let declared = batchShape.dropFirst().map { $0.flatMap { $0 > 0 ? $0 : nil } }
            let variableAxes = Set(declared.indices.filter { declared[$0] == nil })
            var shape = declared.map { $0 ?? openAxisLength ?? 0 }
            if !variableAxes.isEmpty, let dataShapes {
                // Open axes take the data's lengths; the others must agree with it (which the data checks report).
                guard position < dataShapes.count, dataShapes[position].count == shape.count, dataShapes[position].allSatisfy({ $0 > 0 }) else {
                    throw KerasFormatError(file: file, object: object, .incompleteInputShape)
                }
                shape = zip(declared, dataShapes[position]).map { $0 ?? $1 }
            }
            guard shape.allSatisfy({ $0 > 0 }) else { throw KerasFormatError(file: file, object: object, .incompleteInputShape) }
            guard let dtype = Model.DType(rawValue: input.dtype) else {
                throw KerasFormatError(file: file, object: "input \(input.name)",
                                       .unsupportedOption("dtype \(input.dtype) (supported: \(Model.DType.allCases.map(\.rawValue).joined(separator: ", ")))"))
            }
            var modelInput = Model.Input(name: input.name, shape: shape, dtype: dtype)
            modelInput.variableAxes = variableAxes
            return modelInput
        }
    }

    /// A functional config's layer calls as graph nodes, one per call (a shared layer's calls share its layer),
    /// ordered so that each comes after those it takes inputs from: the config's order when it already is so
    /// (Keras writes each layer after those its first call takes inputs from, but a later call may take one
    /// from a layer written after it); and the output nodes. Refuses a reference to no call of any layer, a
    /// cycle, and a call that leads to no output.
    private func graph(_ config: ModelConfig, _ layers: [Layer]) throws -> (nodes: [Node], outputs: [Int]) {
        func refuse(_ what: String) -> KerasFormatError { KerasFormatError(file: file, object: "model config", .unsupportedOption(what)) }
        func malformed(_ layer: String, _ reason: String) -> KerasFormatError {
            KerasFormatError(file: file, object: "layer \(layer)", .malformedConfig(reason))
        }
        let inputIndex = Dictionary(config.inputs.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { first, _ in first })
        guard (1...Model.maximumOutputs).contains(config.outputLayers.count) else {
            throw refuse("\(config.outputLayers.count) outputs (1 to \(Model.maximumOutputs) are supported)")
        }
        // Every call of every layer, in config order, and where each reference points among them.
        var calls: [(entry: Int, call: Int)] = []
        var callIndex: [ModelConfig.TensorReference: Int] = [:]
        for (position, entry) in config.layers.enumerated() {
            guard !entry.calls.isEmpty else { throw malformed(entry.name, "has no inbound nodes") }
            for call in entry.calls.indices {
                callIndex[ModelConfig.TensorReference(entry.name, call: call)] = calls.count
                calls.append((position, call))
            }
        }
        // Per call and input, the call it takes the input from, or the model input (negative: -1 - its index).
        let inputs: [[Int]] = try calls.map { item in
            let entry = config.layers[item.entry]
            return try entry.calls[item.call].map { reference in
                if let input = inputIndex[reference.layer] { return -1 - input }
                guard let source = callIndex[reference.callReference] else {
                    let callCount = config.layers.first { $0.name == reference.layer }?.calls.count
                    throw malformed(entry.name, callCount.map { "takes call \(reference.call) of \(reference.layer), which is called \($0) times" }
                                    ?? "takes its input from \(reference.layer), which no layer of the model is")
                }
                return source
            }
        }
        let outputCalls = try config.outputLayers.map { output in
            guard let call = callIndex[output.callReference] else { throw malformed(output.layer, "is named as an output but no such layer call exists") }
            guard output.tensor == 0 else { throw refuse("output \(output.tensor) of layer \(output.layer) as a model output") }
            return call
        }
        // Depth-first from each call in config order: a call's sources first, then the call itself.
        var nodeOf = [Int?](repeating: nil, count: calls.count)
        var visiting = [Bool](repeating: false, count: calls.count)
        var order: [Int] = []
        for root in calls.indices where nodeOf[root] == nil {
            var stack = [(call: root, sourcesDone: false)]
            while let (call, sourcesDone) = stack.popLast() {
                if nodeOf[call] != nil { continue }
                if sourcesDone {
                    nodeOf[call] = order.count
                    order.append(call)
                    continue
                }
                guard !visiting[call] else { throw malformed(config.layers[calls[call].entry].name, "takes its input from itself through a cycle") }
                visiting[call] = true
                stack.append((call, true))
                for source in inputs[call].reversed() where source >= 0 && nodeOf[source] == nil { stack.append((source, false)) }
            }
        }
        var consumed = Set<Int>()
        for call in order { inputs[call].forEach { if $0 >= 0 { consumed.insert($0) } } }
        if let deadEnd = order.first(where: { !outputCalls.contains($0) && !consumed.contains($0) }) {
            throw malformed(config.layers[calls[deadEnd].entry].name, "leads to no output")
        }
        let nodes = order.map { call in
            let references = config.layers[calls[call].entry].calls[calls[call].call]
            return Node(layers[calls[call].entry], inputs: zip(inputs[call], references).map { source, reference in
                source >= 0 ? .node(nodeOf[source]!, tensor: reference.tensor) : .input(-1 - source)
            })
        }
        return (nodes, outputCalls.map { nodeOf[$0]! })
    }

    private mutating func layer(_ entry: ModelConfig.Layer) throws -> Layer {
        var reader = LayerConfigReader(file: file, layer: entry.name, config: entry.config)
        reader.writtenByKeras2 = kerasVersion?.hasPrefix("2.") ?? false
        guard let (layer, ignoredKeys) = try LayerCodecs.layer(className: entry.className, config: reader) else {
            throw KerasFormatError(file: file, object: "layer \(entry.name)", .unknownLayerClass(entry.className, supported: LayerCodecs.classNames))
        }
        notices += ignoredKeys.map { .ignoredSetting(layer: entry.name, key: $0) }
        return layer
    }
}
