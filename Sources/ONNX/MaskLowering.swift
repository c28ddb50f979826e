import NeuralNet

/// Keras's masks in ONNX: a boolean (batch, steps) value beside the values that carry one. Masking and
/// Embedding's `mask_zero` make it, the layers that pass a mask on pass it, and the layers that read it compute
/// what Keras computes with it: GlobalAveragePooling1D averages the kept steps, and a recurrent layer keeps
/// its state through a masked step. ONNX's recurrent operators cannot skip a step in the middle of a sequence,
/// so a masked recurrent layer is unrolled: one cell per step, its state replaced by the previous one where
/// the step is masked.
extension GraphBuilder {
    /// Keras's Masking: a step whose values all equal `mask_value` is masked, and its values become 0.
    mutating func applyMasking(_ masking: Masking, _ source: LoweredValue) -> LoweredValue {
        let name = masking.name, x = keras(source)
        let differs = graph.add("Cast", [graph.add("Not", [graph.add("Equal", [x.name, scalar(masking.maskValue, name)], name: name)], name: name)],
                                name: name, attributes: [("to", .int(1))])
        let counted = graph.add("ReduceSum", [differs, axes([-1], name)], name: name, attributes: [("keepdims", .int(0))])
        let kept = graph.add("Greater", [counted, scalar(0, name)], name: name)
        let zeroed = graph.add("Mul", [x.name, graph.add("Cast", [unsqueeze(kept, axis: -1, name: name)], name: name, attributes: [("to", .int(1))])],
                               name: name)
        masks[zeroed] = kept
        return same(x, zeroed)
    }

    /// Embedding's `mask_zero`: the mask of the ids that are not 0.
    mutating func maskZeros(_ ids: LoweredValue, name: String) -> String {
        let wide = converted(ids, to: 7)
        let zero = graph.constant("\(name)/zero", shape: [], integers: [0])
        return graph.add("Not", [graph.add("Equal", [wide.name, zero], name: name)], name: name)
    }

    /// GlobalAveragePooling1D over the kept steps: the sum of the kept steps' values over their count.
    mutating func averageKeptSteps(_ pooling: GlobalPooling1D, _ source: LoweredValue, mask: String) -> LoweredValue {
        let name = pooling.name, x = keras(source)
        let weights = unsqueeze(graph.add("Cast", [mask], name: name, attributes: [("to", .int(1))]), axis: -1, name: name)
        let keep = [("keepdims", ONNXGraph.Attribute.int(pooling.keepDimensions ? 1 : 0))]
        let total = graph.add("ReduceSum", [graph.add("Mul", [x.name, weights], name: name), axes([1], name)], name: name, attributes: keep)
        let count = graph.add("ReduceSum", [weights, axes([1], name)], name: name, attributes: keep)
        return LoweredValue(name: graph.add("Div", [total, count], name: name), rank: pooling.keepDimensions ? 3 : 2, channelsFirst: false)
    }

    /// `layer` over a masked sequence, one cell per step in the order the steps run: where a sample's step is
    /// masked, its state (and LSTM's carry) stay as they were, and the step's output is that state, or zeros
    /// with `zero_output_for_mask`. Returns the output (every step's, reversed once more when `reversed`, as
    /// Bidirectional reverses its backward layer's), then with `return_state` the last state (and carry).
    mutating func recurMasked(_ layer: RecurrentLayer, _ source: LoweredValue, mask: String, reversed: Bool = false) throws -> [LoweredValue] {
        let name = layer.name, units = layer.units, steps = layer.inputShape[0], x = keras(source)
        // Every step's input product at once: (batch, steps, gates · units), with the input bias.
        var projected = graph.add("MatMul", [x.name, weight(layer.kernel, of: name)], name: name)
        let width = layer.kernel.shape[1]
        var recurrentBias: String?
        if let bias = layer.bias {
            let values = bias.tensor.scalars
            projected = graph.add("Add", [projected, graph.constant("\(name)/input_bias", shape: [width], Array(values.prefix(width)))], name: name)
            if values.count > width { recurrentBias = graph.constant("\(name)/recurrent_bias", shape: [width], Array(values.suffix(width))) }
        }
        let gru = layer as? GRU, lstm = layer as? LSTM
        // The state's product with the recurrent kernel; GRU without reset_after takes the candidate's product
        // of the reset state instead, with the kernel's last columns.
        let (stateKernel, candidateKernel): (String, String?) = gru.map { !$0.resetAfter } == true
            ? (columns(layer.recurrentKernel, 0..<2 * units, name: name), columns(layer.recurrentKernel, 2 * units..<3 * units, name: name))
            : (weight(layer.recurrentKernel, of: name), nil)
        let zeros = zeroState(of: x, units: units, name: name)
        // Each gate's columns of a (batch, gates · units) product (SimpleRNN has one gate).
        let columnAxis = width > units ? axes([1], name) : ""
        let bounds = width > units ? (0...width / units).map { graph.constant("\(name)/column", shape: [1], integers: [Int64($0 * units)]) } : []
        var state = zeros, carry = zeros, outputs: [String] = []
        for step in 0..<steps {
            let t = layer.goBackwards ? steps - 1 - step : step
            let index = graph.constant("\(name)/step", shape: [], integers: [Int64(t)])
            let input = graph.add("Gather", [projected, index], name: name, attributes: [("axis", .int(1))])
            let kept = unsqueeze(graph.add("Gather", [mask, index], name: name, attributes: [("axis", .int(1))]), axis: 1, name: name)
            var recurrent = graph.add("MatMul", [state, stateKernel], name: name)
            if let recurrentBias { recurrent = graph.add("Add", [recurrent, recurrentBias], name: name) }
            func gate(_ value: String, _ block: Int) -> String {
                graph.add("Slice", [value, bounds[block], bounds[block + 1], columnAxis], name: name)
            }
            func apply(_ activation: Activation, _ value: String) throws -> String {
                try activate(LoweredValue(name: value, rank: 2, channelsFirst: false), activation, layer: name).name
            }
            let next: String
            if let lstm {
                let sums = graph.add("Add", [input, recurrent], name: name)
                let i = try apply(lstm.recurrentActivation, gate(sums, 0)), f = try apply(lstm.recurrentActivation, gate(sums, 1))
                let g = try apply(lstm.activation, gate(sums, 2)), o = try apply(lstm.recurrentActivation, gate(sums, 3))
                let newCarry = graph.add("Add", [graph.add("Mul", [f, carry], name: name), graph.add("Mul", [i, g], name: name)], name: name)
                next = graph.add("Mul", [o, try apply(lstm.activation, newCarry)], name: name)
                carry = graph.add("Where", [kept, newCarry, carry], name: name)
            } else if let gru {
                let z = try apply(gru.recurrentActivation, graph.add("Add", [gate(input, 0), gate(recurrent, 0)], name: name))
                let r = try apply(gru.recurrentActivation, graph.add("Add", [gate(input, 1), gate(recurrent, 1)], name: name))
                // reset_after: r scales the recurrent product; else the state before its product.
                let candidateProduct = candidateKernel.map { graph.add("MatMul", [graph.add("Mul", [r, state], name: name), $0], name: name) }
                    ?? graph.add("Mul", [r, gate(recurrent, 2)], name: name)
                let candidate = try apply(gru.activation, graph.add("Add", [gate(input, 2), candidateProduct], name: name))
                // z · state + (1 - z) · candidate, as candidate + z · (state - candidate).
                next = graph.add("Add", [candidate, graph.add("Mul", [z, graph.add("Sub", [state, candidate], name: name)], name: name)], name: name)
            } else {
                next = try apply(layer.activation, graph.add("Add", [input, recurrent], name: name))
            }
            state = graph.add("Where", [kept, next, state], name: name)
            outputs.append(layer.zeroOutputForMask ? graph.add("Where", [kept, state, zeros], name: name) : state)
        }
        let states = [state] + (lstm == nil ? [] : [carry])
        let returned = layer.returnState ? states.map { LoweredValue(name: $0, rank: 2, channelsFirst: false) } : []
        guard layer.returnSequences else { return [LoweredValue(name: outputs[steps - 1], rank: 2, channelsFirst: false)] + returned }
        let ordered = reversed ? outputs.reversed() : outputs
        let sequence = graph.add("Concat", ordered.map { unsqueeze($0, axis: 1, name: name) }, name: name, attributes: [("axis", .int(1))])
        return [LoweredValue(name: sequence, rank: 3, channelsFirst: false)] + returned
    }

    /// Zeros of (batch, units), the batch taken from `x`'s first axis.
    private mutating func zeroState(of x: LoweredValue, units: Int, name: String) -> String {
        let batch = graph.add("Slice", [graph.add("Shape", [x.name], name: name), graph.constant("\(name)/starts", shape: [1], integers: [0]),
                                        graph.constant("\(name)/ends", shape: [1], integers: [1])], name: name)
        let shape = graph.add("Concat", [batch, graph.constant("\(name)/units", shape: [1], integers: [Int64(units)])], name: name,
                              attributes: [("axis", .int(0))])
        return graph.add("ConstantOfShape", [shape], name: name)
    }

    /// Columns `range` of a (rows, columns) weight, as a constant.
    private mutating func columns(_ kernel: Parameter, _ range: Range<Int>, name: String) -> String {
        let rows = kernel.shape[0], width = kernel.shape[1]
        let values = (0..<rows).flatMap { row in range.map { kernel.value[row * width + $0] } }
        return graph.constant("\(name)/\(kernel.name)", shape: [rows, range.count], values)
    }

    /// An int64 list of axes, as ONNX's reductions and slices take them.
    private mutating func axes(_ values: [Int], _ name: String) -> String {
        graph.constant("\(name)/axes", shape: [values.count], integers: values.map(Int64.init))
    }
}
