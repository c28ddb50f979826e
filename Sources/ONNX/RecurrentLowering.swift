import NeuralNet

/// Keras's recurrent layers as ONNX's RNN, LSTM and GRU operators, one direction each and time-major (the
/// layout onnxruntime runs): the kernels transposed to (gates · units, features) with the gate blocks in
/// ONNX's order (LSTM: input, output, forget, cell; GRU: update, reset, candidate, Keras's own), and the
/// sequence of states in the order Keras gives it: the order the steps ran, which for `go_backwards` is the
/// input's reversed.
extension GraphBuilder {
    /// The outputs of `layer` over `sources` (the sequence, then any initial states): its output, then with
    /// `return_state` its last state (and LSTM's carry). `reversed` reverses the sequence of states once more,
    /// as Bidirectional does to its backward layer's.
    mutating func recur(_ layer: RecurrentLayer, _ sources: [LoweredValue], reversed: Bool = false) throws -> [LoweredValue] {
        let name = layer.name, units = layer.units
        let op: String, gateOrder: [Int], activations: [Activation]
        var attributes: [(String, ONNXGraph.Attribute)] = [("hidden_size", .int(units)), ("direction", .string(layer.goBackwards ? "reverse" : "forward"))]
        switch layer {
        case let lstm as LSTM: (op, gateOrder, activations) = ("LSTM", [0, 3, 1, 2], [lstm.recurrentActivation, lstm.activation, lstm.activation])
        case let gru as GRU:
            (op, gateOrder, activations) = ("GRU", [0, 1, 2], [gru.recurrentActivation, gru.activation])
            attributes.append(("linear_before_reset", .int(gru.resetAfter ? 1 : 0)))
        default: (op, gateOrder, activations) = ("RNN", [0], [layer.activation])
        }
        let functions = try activations.map { try recurrentFunction($0, layer: name) }
        attributes.append(("activations", .strings(functions.map(\.name))))
        let parameters = functions.flatMap(\.parameters)
        if !parameters.isEmpty {
            attributes += [("activation_alpha", .floats(parameters.map(\.alpha))), ("activation_beta", .floats(parameters.map(\.beta)))]
        }
        let width = gateOrder.count * units, features = layer.inputShape[1]
        var inputs = [graph.add("Transpose", [keras(sources[0]).name], name: name, attributes: [("perm", .ints([1, 0, 2]))]),
                      weight(layer.kernel, of: name, shape: [1, width, features], values: gateRows(layer.kernel, gateOrder, units: units)),
                      weight(layer.recurrentKernel, of: name, shape: [1, width, units], values: gateRows(layer.recurrentKernel, gateOrder, units: units))]
        // B: the input biases, then the recurrent ones (GRU's second row with reset_after, else zeros).
        var bias = [Float](repeating: 0, count: 2 * width)
        if let given = layer.bias {
            let values = given.tensor.scalars
            for row in 0..<values.count / width {
                for (block, source) in gateOrder.enumerated() {
                    for unit in 0..<units { bias[row * width + block * units + unit] = values[row * width + source * units + unit] }
                }
            }
        }
        inputs.append(graph.constant("\(name)/bias", shape: [1, 2 * width], bias))
        if sources.count > 1 {
            // sequence_lens omitted; initial state (and carry) as (1, batch, units).
            inputs.append("")
            for state in sources.dropFirst() { inputs.append(unsqueeze(keras(state).name, axis: 0, name: name)) }
        }
        let outputs = graph.add(op, inputs, name: name, attributes: attributes, outputs: op == "LSTM" ? 3 : 2)
        let states = outputs.dropFirst().map { LoweredValue(name: squeeze($0, axis: 0, name: name), rank: 2, channelsFirst: false) }
        let returned = layer.returnState ? states : []
        guard layer.returnSequences else { return [states[0]] + returned }
        // Y is (steps, 1, batch, units), each step's state at its input step's place.
        var sequence = squeeze(outputs[0], axis: 1, name: name)
        if layer.goBackwards != reversed { sequence = reverse(sequence, axis: 0, name: name) }
        let batchMajor = graph.add("Transpose", [sequence], name: name, attributes: [("perm", .ints([1, 0, 2]))])
        return [LoweredValue(name: batchMajor, rank: 3, channelsFirst: false)] + returned
    }

    /// Bidirectional: its two layers (over the steps `mask` keeps, when there is one), the backward one's
    /// states reversed to the input's order, then merged.
    mutating func recurBothWays(_ layer: Bidirectional, _ source: LoweredValue, mask: String?) throws -> LoweredValue {
        func run(_ recurrent: RecurrentLayer, reversed: Bool) throws -> LoweredValue {
            try (mask.map { try recurMasked(recurrent, source, mask: $0, reversed: reversed) } ?? recur(recurrent, [source], reversed: reversed))[0]
        }
        let forward = try run(layer.forwardLayer, reversed: false), backward = try run(layer.backwardLayer, reversed: true)
        let name = layer.name, values = [forward.name, backward.name]
        let merged: String
        switch layer.mergeMode {
        case .concat: merged = graph.add("Concat", values, name: name, attributes: [("axis", .int(-1))])
        case .sum: merged = graph.add("Add", values, name: name)
        case .mul: merged = graph.add("Mul", values, name: name)
        case .ave: merged = graph.add("Mul", [graph.add("Add", values, name: name), scalar(0.5, name)], name: name)
        }
        return same(forward, merged)
    }

    /// The ONNX name of a recurrent activation, with its alpha and beta when it takes them; refuses the others.
    private func recurrentFunction(_ activation: Activation, layer: String) throws -> (name: String, parameters: [(alpha: Float, beta: Float)]) {
        switch activation {
        case .sigmoid: return ("Sigmoid", [])
        case .tanh: return ("Tanh", [])
        case .relu: return ("Relu", [])
        case .softsign: return ("Softsign", [])
        case .softplus: return ("Softplus", [])
        case .linear: return ("Affine", [(1, 0)])
        case .hardSigmoid: return ("HardSigmoid", [(1.0 / 6, 0.5)])
        case .hardSigmoidKeras2: return ("HardSigmoid", [(0.2, 0.5)])
        default: throw ONNXExportError(object: "layer \(layer)", reason: "the activation \(activation) has no ONNX recurrent form")
        }
    }

    /// A (rows, gates · units) Keras kernel as ONNX's (gates · units, rows), gate blocks taken in `order`.
    private func gateRows(_ kernel: Parameter, _ order: [Int], units: Int) -> [Float] {
        let width = kernel.shape[1], rows = kernel.shape[0]
        var values = [Float](repeating: 0, count: kernel.count)
        for (block, source) in order.enumerated() {
            for unit in 0..<units {
                for row in 0..<rows { values[(block * units + unit) * rows + row] = kernel.value[row * width + source * units + unit] }
            }
        }
        return values
    }

    /// `value` without its axis `axis` of length 1.
    private mutating func squeeze(_ value: String, axis: Int, name: String) -> String {
        graph.add("Squeeze", [value, graph.constant("\(name)/axes", shape: [1], integers: [Int64(axis)])], name: name)
    }

    /// `value` with a new axis of length 1 at `axis`.
    mutating func unsqueeze(_ value: String, axis: Int, name: String) -> String {
        graph.add("Unsqueeze", [value, graph.constant("\(name)/axes", shape: [1], integers: [Int64(axis)])], name: name)
    }

    /// `value` with its axis `axis` in reverse order (a Slice with step -1).
    private mutating func reverse(_ value: String, axis: Int, name: String) -> String {
        let starts = graph.constant("\(name)/starts", shape: [1], integers: [-1])
        let ends = graph.constant("\(name)/ends", shape: [1], integers: [Int64.min])
        let axes = graph.constant("\(name)/axes", shape: [1], integers: [Int64(axis)])
        let steps = graph.constant("\(name)/steps", shape: [1], integers: [-1])
        return graph.add("Slice", [value, starts, ends, axes, steps], name: name)
    }
}
