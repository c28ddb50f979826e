import NeuralNet

/// A functional (graph) model's config as Keras writes it: an InputLayer entry per input, then each layer with
/// its `name` and the `inbound_nodes` that say which outputs it takes, then `input_layers` and `output_layers`.
enum FunctionalConfigWriter {
    /// The `config` body of a functional model; `archive` adds the `module`, `registered_name` and
    /// `build_config` keys a `.keras` archive's entries carry.
    static func body(_ model: Model, flavour: KerasFlavour, archive: Bool) -> JSONObject {
        var layers: [JSONValue] = model.inputs.map { input in
            var entry: [(String, JSONValue)] = [("class_name", .string(InputLayerEntry.className)),
                                                ("config", .object(InputLayerEntry.config(input, flavour: flavour)))]
            if archive { entry = [("module", .string("keras.layers"))] + entry + [("registered_name", .null)] }
            return .object(JSONObject(entry + [("name", .string(input.name)), ("inbound_nodes", .array([]))]))
        }
        let calls = model.callIndices
        let nodesOf = Dictionary(grouping: model.nodes, by: { ObjectIdentifier($0.layer) })
        for layer in model.layers {
            var entry: [(String, JSONValue)] = [("class_name", .string(layer.className)),
                                                ("config", .object(ConfigWriter.layerConfig(layer, flavour: flavour)))]
            if archive {
                entry = [("module", .string("keras.layers"))] + entry + [("registered_name", .null)]
                if !layer.weights.isEmpty { entry.append(("build_config", .object(JSONObject([("input_shape", .batchShape(layer.inputShapes[0]))])))) }
            }
            entry += [("name", .string(layer.name)),
                      ("inbound_nodes", .array(nodesOf[ObjectIdentifier(layer)]!.map { inboundNode($0, model: model, calls: calls, flavour: flavour) }))]
            layers.append(.object(JSONObject(entry)))
        }
        var body = JSONObject([("name", .string(model.name)), ("trainable", .bool(true)), ("layers", .array(layers))])
        let inputs = model.inputNames.map { reference($0, call: 0, .keras3) }
        body["input_layers"] = inputs.count == 1 ? reference(model.inputNames[0], call: 0, flavour) : .array(inputs)
        let outputs = model.outputs.map { reference(model.nodes[$0].layer.name, call: calls[$0], .keras3) }
        body["output_layers"] = outputs.count == 1 && flavour == .keras3 ? outputs[0] : .array(outputs)
        return body
    }

    /// `[name, call, 0]` in Keras 3 (one tensor), `[[name, call, 0]]` in Keras 2 (a list of them).
    private static func reference(_ name: String, call: Int, _ flavour: KerasFlavour) -> JSONValue {
        let one = JSONValue.array([.string(name), .int(call), .int(0)])
        return flavour == .keras3 ? one : .array([one])
    }

    /// One call of a layer, `node`: Keras 3's `{"args": [tensor or [tensors]], "kwargs": {}}` or Keras 2's
    /// `[[name, call, 0, {}], ...]`, where `calls` numbers each node among its layer's.
    private static func inboundNode(_ node: Node, model: Model, calls: [Int], flavour: KerasFlavour) -> JSONValue {
        let sources = node.inputs.map { input -> (name: String, call: Int, tensor: Int, shape: [Int], dtype: String) in
            switch input {
            case .input(let index):
                let input = model.inputs[index]
                return (input.name, 0, 0, input.shape, input.dtype.rawValue)
            case .node(let index, let tensor):
                let layer = model.nodes[index].layer
                return (layer.name, calls[index], tensor, layer.outputShapes[tensor], "float32")
            }
        }
        switch flavour {
        case .keras3:
            let tensors = sources.map { source in
                JSONValue.object(JSONObject([("class_name", .string("__keras_tensor__")), ("config", .object(JSONObject([
                    ("shape", .batchShape(source.shape)), ("dtype", .string(source.dtype)),
                    ("keras_history", .array([.string(source.name), .int(source.call), .int(source.tensor)])),
                ])))]))
            }
            // A recurrent layer's initial states are its call's `initial_state` keyword.
            if node.layer is RecurrentLayer {
                let kwargs = tensors.count > 1 ? [("initial_state", JSONValue.array(Array(tensors.dropFirst())))] : []
                return .object(JSONObject([("args", .array([tensors[0]])), ("kwargs", .object(JSONObject(kwargs)))]))
            }
            let arguments = tensors.count == 1 ? tensors[0] : .array(tensors)
            return .object(JSONObject([("args", .array([arguments])), ("kwargs", .object(JSONObject()))]))
        case .keras2:
            return .array(sources.map { .array([.string($0.name), .int($0.call), .int($0.tensor), .object(JSONObject())]) })
        }
    }
}
