import NeuralNet

/// A model's `model_config` (legacy `.h5`) or `config.json` (`.keras`), parsed as far as this project needs:
/// the model class and name, the inputs, the layers in order and, for a functional model, which layers
/// feed each one.
public struct ModelConfig: Sendable, Equatable {
    /// One output of a functional model's layer: Keras's `[name, node_index, tensor_index]` reference, whose
    /// node index says which call of the layer gave it (a shared layer is called more than once).
    public struct TensorReference: Sendable, Hashable, CustomStringConvertible, ExpressibleByStringLiteral {
        /// The layer's name (an InputLayer's for the model's input).
        public var layer: String
        /// Which of the layer's calls, counted from 0 in the order of its `inbound_nodes`.
        public var call: Int
        /// Which of the call's outputs: 0 but for a layer of several (a recurrent layer's states).
        public var tensor: Int

        /// Output `tensor` of call `call` of `layer`.
        public init(_ layer: String, call: Int = 0, tensor: Int = 0) {
            self.layer = layer
            self.call = call
            self.tensor = tensor
        }

        /// The call this output comes from.
        public var callReference: TensorReference { TensorReference(layer, call: call) }

        /// The first call's output of the layer so named.
        public init(stringLiteral layer: String) { self.init(layer) }

        /// `conv2d`, `conv2d[1]` for a later call, `lstm[0][1]` for a later output.
        public var description: String { tensor > 0 ? "\(layer)[\(call)][\(tensor)]" : call == 0 ? layer : "\(layer)[\(call)]" }
    }

    /// One layer entry: `{"class_name": ..., "config": {...}}`.
    public struct Layer: Sendable, Equatable {
        public var className: String
        public var name: String
        /// The layer's `config` object as stored.
        public var config: JSONObject
        /// In a functional model, each call of the layer (its `inbound_nodes`; more than one for a shared
        /// layer) with the outputs it takes, in its inputs' order (an InputLayer's for the model's input);
        /// empty in a Sequential model.
        public var calls: [[TensorReference]]
        /// Where Keras 3 stores the layer's weights under `layers/` in `.weights.h5` and `.keras`: its saveable
        /// name (`conv2d_1`), behind those of the models it was nested in (`sequential/layers/conv2d`); nil
        /// for an entry not read from a file (see ``saveableNames()``).
        public var savedPath: String?
        /// For a layer of a nested model, the outermost nested model's name: a legacy `.h5` keeps that model's
        /// weights in one group, as Keras lists them (every trainable weight in layer order, then the others).
        public var legacyGroup: String?

        /// A layer entry.
        public init(className: String, name: String, config: JSONObject, calls: [[TensorReference]] = []) {
            self.className = className
            self.name = name
            self.config = config
            self.calls = calls
        }
    }

    /// One input of the model: an InputLayer entry, or what a Sequential config records in its place.
    public struct Input: Sendable, Equatable {
        /// The InputLayer's name.
        public var name: String
        /// The batch shape with `nil` for the batch dimension, e.g. `[nil, 28, 28, 1]`, when recorded.
        public var batchShape: [Int?]?
        /// Keras's dtype name, `float32` unless the entry says otherwise.
        public var dtype: String

        /// An input entry.
        public init(name: String, batchShape: [Int?]?, dtype: String = "float32") {
            self.name = name
            self.batchShape = batchShape
            self.dtype = dtype
        }
    }

    /// `Sequential`, `Functional`, ...
    public var modelClass: String
    public var name: String
    /// The model's inputs in order: a Sequential model's one, a functional model's in the order of its
    /// `input_layers`.
    public var inputs: [Input]
    /// The layers in model order, without the InputLayers.
    public var layers: [Layer]
    /// A functional model's outputs, in order.
    public var outputLayers: [TensorReference]

    /// A model config from its parts.
    public init(modelClass: String, name: String, inputs: [Input], layers: [Layer], outputLayers: [TensorReference] = []) {
        self.modelClass = modelClass
        self.name = name
        self.inputs = inputs
        self.layers = layers
        self.outputLayers = outputLayers
    }

    /// The first input's batch shape, when recorded.
    public var batchInputShape: [Int?]? { inputs.first?.batchShape }

    /// Whether the config is a functional graph (`Functional`, or Keras 2's `Model`) rather than `Sequential`.
    public var isFunctional: Bool { modelClass != "Sequential" }

    /// Configs with more layers or layer calls than this, nested models' included, are refused before any layer
    /// is built.
    public static let maximumLayers = 10_000
    /// Models nested deeper than this are refused.
    public static let maximumNesting = 16

    /// The model classes whose config holds layers of its own, which may also be nested as a layer.
    static let modelClasses: Set<String> = ["Sequential", "Functional", "Model"]

    /// Parses a config as Keras 2 and Keras 3 write it (legacy and `.keras` forms alike). A model nested as a
    /// layer (a Sequential block inside a Functional model, say) is inlined: its layers join the graph in its
    /// place, wired to what fed it, and the result is a Functional config.
    public static func parse(_ json: JSONValue, file: String) throws -> ModelConfig {
        var count = 0
        return try parse(json, file: file, depth: 0, layerCount: &count)
    }

    private static func parse(_ json: JSONValue, file: String, depth: Int, layerCount: inout Int) throws -> ModelConfig {
        func fail(_ reason: String) -> KerasFormatError { KerasFormatError(file: file, object: "model config", .malformedConfig(reason)) }
        guard let modelClass = json["class_name"]?.stringValue else { throw fail("has no class_name") }
        guard let body = json["config"]?.objectValue else { throw fail("has no config object") }
        guard let entries = body["layers"]?.arrayValue else { throw fail("\(modelClass) config has no layers list") }
        layerCount += entries.count
        guard layerCount <= maximumLayers else { throw fail("has \(layerCount) layers, more than the limit of \(maximumLayers)") }
        var shape = body["build_input_shape"].flatMap(Self.shape) ?? json["build_config"]?["input_shape"].flatMap(Self.shape)
        var layers: [Layer] = []
        var inputEntries: [Input] = []
        // Keras 3 records the operations that compute masks (NotEqual, LogicalOr, ...) among the layers and
        // hands their results to layers as `mask`: masks here follow Keras's own rules, so they are left out.
        // `.keras` entries name their module; legacy `.h5` ones are known by class and a config without
        // `trainable`, which every layer has.
        var operations: [String: (className: String, byModule: Bool)] = [:]
        for (index, entry) in entries.enumerated() {
            guard let className = entry["class_name"]?.stringValue, let config = entry["config"]?.objectValue else {
                throw fail("layer #\(index) has no class_name or config")
            }
            let name = config["name"]?.stringValue ?? entry["name"]?.stringValue ?? "\(KerasNaming.snakeCase(className))_\(index)"
            if let module = entry["module"]?.stringValue {
                if module.hasPrefix("keras.src.ops.") { operations[name] = (className, true) }
            } else if config["trainable"] == nil, Self.maskOperations.contains(className) {
                operations[name] = (className, false)
            }
            let declared = (config["batch_shape"] ?? config["batch_input_shape"]).flatMap(Self.shape)
            // A first layer's own input shape counts only without an InputLayer's: tf-keras writes Embedding's
            // (None, None) beside the InputLayer's whole one.
            if let declared, layers.isEmpty, inputEntries.count <= 1,
               className == InputLayerEntry.className || inputEntries.first?.batchShape == nil { shape = declared }
            if className == InputLayerEntry.className {
                inputEntries.append(Input(name: name, batchShape: declared, dtype: Self.dtypeName(config["dtype"]) ?? "float32"))
                continue
            }
            let calls = modelClass == "Sequential" ? [] : try inboundCalls(entry["inbound_nodes"], file: file, layer: name)
            layerCount += max(0, calls.count - 1)
            guard layerCount <= maximumLayers else { throw fail("has \(layerCount) layer calls, more than the limit of \(maximumLayers)") }
            layers.append(Layer(className: className, name: name, config: config, calls: calls))
        }
        guard !layers.isEmpty else { throw fail("\(modelClass) model \(body["name"]?.stringValue ?? "") has no layers") }
        for layer in layers where operations[layer.name] == nil {
            for reference in layer.calls.joined() {
                guard let operation = operations[reference.layer] else { continue }
                guard !operation.byModule else {
                    throw KerasFormatError(file: file, object: "layer \(layer.name)", .unsupportedOption("the Keras operation \(operation.className) (\(reference.layer)) as an input (operations are supported only as the masks Keras computes)"))
                }
                operations[reference.layer] = nil  // a layer after all, whose config leaves out trainable
            }
        }
        layers.removeAll { operations[$0.name] != nil }
        var names = Set(inputEntries.map(\.name))
        guard names.count == inputEntries.count else { throw fail("names two inputs alike") }
        if let repeated = layers.first(where: { !names.insert($0.name).inserted }) {
            throw KerasFormatError(file: file, object: "layer \(repeated.name)", .malformedConfig("is the name of two layers of model \(body["name"]?.stringValue ?? modelClass); layer names must be unique"))
        }
        let saveable = KerasNaming.saveableNames(classNames: layers.map(\.className))
        for index in layers.indices { layers[index].savedPath = saveable[index] }
        let inputs: [Input]
        if modelClass == "Sequential" {
            let first = inputEntries.first
            inputs = [Input(name: first?.name ?? "input_layer", batchShape: shape, dtype: first?.dtype ?? "float32")]
        } else {
            // An input without an InputLayer entry has no shape of its own (a nested model's needs none).
            inputs = try tensorReferences(body["input_layers"], file: file, what: "input_layers").map { reference in
                var input = inputEntries.first(where: { $0.name == reference.layer }) ?? Input(name: reference.layer, batchShape: nil)
                if inputEntries.count <= 1, input.batchShape == nil { input.batchShape = shape }
                return input
            }
        }
        var model = ModelConfig(modelClass: modelClass, name: body["name"]?.stringValue ?? "model", inputs: inputs, layers: layers,
                                outputLayers: try tensorReferences(body["output_layers"], file: file, what: "output_layers"))
        guard layers.contains(where: { modelClasses.contains($0.className) && $0.config["layers"] != nil }) else { return model }
        guard depth < maximumNesting else { throw fail("nests models more than \(maximumNesting) deep") }
        try model.inlineNestedModels(entries: entries, file: file, depth: depth,
                                     layerCount: &layerCount)
        return model
    }

    /// Replaces each nested model among the layers by its own layers (see ``parse(_:file:)``), turning a
    /// Sequential config into the equivalent Functional one, with its one input.
    private mutating func inlineNestedModels(entries: [JSONValue], file: String, depth: Int,
                                             layerCount: inout Int) throws {
        func refuse(_ layer: String, _ what: String) -> KerasFormatError {
            KerasFormatError(file: file, object: "layer \(layer)", .unsupportedOption(what))
        }
        let nestedEntries = Dictionary(entries.compactMap { entry in
            entry["config"]?["name"]?.stringValue.map { ($0, entry) }
        }, uniquingKeysWith: { first, _ in first })
        let sequential = !isFunctional
        let inputName = inputs.first?.name ?? "input_layer"
        // A nested model's name stands for its output in the layers after it (whichever call Keras numbers:
        // Keras 2 counts the nested model's own graph as call 0).
        var outputOf: [String: TensorReference] = [:]
        var previous = TensorReference(inputName)
        var flat: [Layer] = []
        for var layer in layers {
            let calls = sequential ? [[previous]] : layer.calls.map { call in call.map { outputOf[$0.layer] ?? $0 } }
            guard Self.modelClasses.contains(layer.className), layer.config["layers"] != nil, let entry = nestedEntries[layer.name] else {
                layer.calls = calls
                flat.append(layer)
                previous = TensorReference(layer.name)
                continue
            }
            let nested = try Self.parse(entry, file: file, depth: depth + 1, layerCount: &layerCount)
            guard nested.inputs.count <= 1 else { throw refuse(layer.name, "a nested model with \(nested.inputs.count) inputs") }
            guard nested.outputLayers.count <= 1, let last = nested.layers.last else {
                throw refuse(layer.name, "a nested model with \(nested.outputLayers.count) outputs")
            }
            guard calls.count == 1 else { throw refuse(layer.name, "a nested model called \(calls.count) times") }
            guard calls[0].count == 1, let source = calls[0].first else {
                throw refuse(layer.name, "a nested model called on \(calls[0].count) inputs")
            }
            let innerNames = Set(nested.layers.map(\.name) + nested.inputs.map(\.name))
            for inner in nested.layers {
                if let outside = inner.calls.joined().first(where: { !innerNames.contains($0.layer) }) {
                    throw KerasFormatError(file: file, object: "layer \(inner.name)",
                                           .malformedConfig("takes its input from \(outside.layer), outside its nested model \(layer.name)"))
                }
            }
            for (position, var inner) in nested.layers.enumerated() {
                inner.calls = nested.isFunctional
                    ? inner.calls.map { call in call.map { $0.layer == nested.inputs.first?.name ? source : $0 } }
                    : [[position == 0 ? source : TensorReference(flat[flat.count - 1].name)]]
                inner.savedPath = "\(layer.savedPath ?? layer.name)/layers/\(inner.savedPath ?? inner.name)"
                inner.legacyGroup = layer.name
                flat.append(inner)
            }
            outputOf[layer.name] = nested.outputLayers.first ?? TensorReference(last.name)
            previous = outputOf[layer.name]!
        }
        var seen = Set(inputs.map(\.name))
        if let repeated = flat.first(where: { !seen.insert($0.name).inserted }) {
            throw KerasFormatError(file: file, object: "layer \(repeated.name)", .malformedConfig("is named twice once nested models are inlined"))
        }
        layers = flat
        outputLayers = sequential ? [previous] : outputLayers.map { outputOf[$0.layer] ?? $0 }
        modelClass = "Functional"
    }

    /// The calls of a functional layer entry, each with the outputs it takes: Keras 3's
    /// `[{"args": [... {"class_name": "__keras_tensor__", "config": {"keras_history": [name, 0, 0]}} ...], "kwargs":
    /// {...}}, ...]` or Keras 2's `[[[name, 0, 0, {}], ...], ...]`. A recurrent layer's `initial_state` (Keras 3's
    /// kwarg; Keras 2 lists the states after the sequence) comes after the sequence.
    static func inboundCalls(_ value: JSONValue?, file: String, layer: String) throws -> [[TensorReference]] {
        guard let nodes = value?.arrayValue else { return [] }
        return try nodes.map { node in
            var histories: [[JSONValue]] = []
            func collect(_ item: JSONValue) {
                if item["class_name"]?.stringValue == "__keras_tensor__", let history = item["config"]?["keras_history"]?.arrayValue {
                    histories.append(history)
                } else if let items = item.arrayValue {
                    if items.count >= 3, items[0].stringValue != nil, items[1].intValue != nil { histories.append(items) } else { items.forEach(collect) }
                }
            }
            collect(node["args"] ?? node)
            if let initialState = node["kwargs"]?["initial_state"] { collect(initialState) }
            return try histories.map { history in try reference(history, file: file, object: "layer \(layer)") }
        }
    }

    /// The operations Keras 3 computes masks with (`compute_mask` of Embedding, the merges, Concatenate, ...);
    /// `ops.concatenate` has the Concatenate layer's class name.
    static let maskOperations: Set<String> = ["NotEqual", "Equal", "LogicalOr", "LogicalAnd", "LogicalNot", "ExpandDims", "Squeeze",
                                              "ZerosLike", "OnesLike", "Any", "All", "BroadcastTo", "Cast", Concatenate().className]

    /// `[name, node_index, tensor_index]` as a reference.
    private static func reference(_ history: [JSONValue], file: String, object: String) throws -> TensorReference {
        guard history.count >= 3, let name = history[0].stringValue, let call = history[1].intValue, call >= 0,
              let tensor = history[2].intValue, tensor >= 0 else {
            throw KerasFormatError(file: file, object: object, .malformedConfig("has a reference that is not [layer, node, tensor]"))
        }
        return TensorReference(name, call: call, tensor: tensor)
    }

    /// `input_layers` or `output_layers`: `[name, 0, 0]` (Keras 3, one tensor), a list of them, or an object of
    /// them by name (Keras 3's outputs given as a dict), in written order.
    static func tensorReferences(_ value: JSONValue?, file: String, what: String) throws -> [TensorReference] {
        let items = value?.arrayValue ?? value?.objectValue?.members.map(\.value) ?? []
        guard !items.isEmpty else { return [] }
        let references = items[0].stringValue != nil ? [items] : items.compactMap(\.arrayValue)
        return try references.map { try reference($0, file: file, object: "model config \(what)") }
    }

    /// A dtype as Keras writes it: a name (`"int32"`), or Keras 3's policy object (`{"class_name": "DTypePolicy",
    /// "config": {"name": "float32"}}`); nil when absent.
    static func dtypeName(_ value: JSONValue?) -> String? {
        value?.stringValue ?? value?["config"]?["name"]?.stringValue
    }

    /// `[null, 28, 28, 1]` → `[nil, 28, 28, 1]`; nil when the value is not such a list.
    static func shape(_ value: JSONValue) -> [Int?]? {
        guard let items = value.arrayValue else { return nil }
        var dims: [Int?] = []
        for item in items {
            if item.isNull { dims.append(nil) } else if let dim = item.intValue { dims.append(dim) } else { return nil }
        }
        return dims
    }

    /// Where Keras 3 stores each layer in `.weights.h5` under `layers/`: `snake_case(class)` made unique in
    /// model order, behind the nested models' own (see ``Layer/savedPath``).
    public func saveableNames() -> [String] {
        let computed = KerasNaming.saveableNames(classNames: layers.map(\.className))
        return zip(layers, computed).map { $0.savedPath ?? $1 }
    }
}
