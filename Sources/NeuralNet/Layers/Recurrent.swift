/// One step of a recurrent layer's forward pass as its cell sees it: `batch` rows in each block.
struct RecurrentStep {
    /// (batch, gates x units): on entry the input's projection plus the input bias; the cell leaves here the
    /// gate values its backward step reads.
    let gates: UnsafeMutablePointer<Float>
    /// (batch, units): the state before the step (the initial state before the first).
    let previous: UnsafePointer<Float>
    /// (batch, units): where the step's state (its output) goes.
    let state: UnsafeMutablePointer<Float>
    /// (batch, carry width): the cell's own values kept from the step before (LSTM's carry), and this step's.
    let previousCarry: UnsafePointer<Float>
    let carry: UnsafeMutablePointer<Float>
    /// (batch, gates x units) values the cell may use as it likes.
    let temporary: UnsafeMutablePointer<Float>
    let batch: Int
}

/// One step of a recurrent layer's backward pass: the values its forward step kept, and the gradients.
struct RecurrentStepGradient {
    /// What the forward step left (see ``RecurrentStep``).
    let gates: UnsafePointer<Float>
    let previous: UnsafePointer<Float>
    let state: UnsafePointer<Float>
    let previousCarry: UnsafePointer<Float>
    let carry: UnsafePointer<Float>
    /// d(loss)/d(state) and d(loss)/d(carry) of this step, which the cell may overwrite.
    let stateGradient: UnsafeMutablePointer<Float>
    let carryGradient: UnsafeMutablePointer<Float>
    /// Where the cell writes d(loss)/d(previous state) and d(loss)/d(previous carry).
    let previousStateGradient: UnsafeMutablePointer<Float>
    let previousCarryGradient: UnsafeMutablePointer<Float>
    /// (batch, gates x units): where the cell writes d(loss)/d(input projection plus input bias).
    let gateGradient: UnsafeMutablePointer<Float>
    /// (batch, gates x units): where the cell writes d(loss)/d(its recurrent product), when that differs from
    /// the gate gradient (``RecurrentLayer/recurrentGradientDiffers``); else the gate gradient itself.
    let recurrentGradient: UnsafeMutablePointer<Float>
    /// (batch, gates x units) values the cell may use as it likes.
    let temporary: UnsafeMutablePointer<Float>
    let batch: Int
}

/// What Keras's SimpleRNN, LSTM and GRU share: a cell run over the steps of a (steps, features) input, in
/// order or backwards, giving the last state or the state after every step (in the order the steps ran, as
/// Keras gives them). The weights are Keras's: `kernel` (features, gates x units), `recurrent_kernel`
/// (units, gates x units) and `bias`, gate blocks side by side in Keras's order.
///
/// The input's projection for every step is one matrix product before the steps run; each step adds the
/// previous state's product with the recurrent kernel and applies the cell. The backward pass runs the steps
/// in reverse, then computes the kernel and input gradients of all steps in one product each.
///
/// The layers below override the cell: ``gateCount``, ``carryWidth``, ``cellForward(_:)``,
/// ``cellBackward(_:)``. Keras's `dropout` and `recurrent_dropout` are kept for the config and not yet applied
/// in training.
public class RecurrentLayer: UnaryLayer {
    public var name: String
    /// The Keras class name; each cell's layer gives its own.
    public var className: String { preconditionFailure("a recurrent layer names its class") }
    /// Keras's `units`: values of the state.
    public let units: Int
    /// Keras's `activation`, applied to the candidate state (LSTM's carry too).
    public let activation: Activation
    /// Keras's `use_bias`.
    public let useBias: Bool
    /// Keras's `return_sequences`: the state after every step rather than the last.
    public let returnSequences: Bool
    /// Keras's `go_backwards`: the steps run from the last to the first.
    public let goBackwards: Bool
    /// Keras's `dropout` and `recurrent_dropout`, kept for the config (not applied in training yet).
    public var dropout: Float = 0, recurrentDropout: Float = 0
    /// How the weights are first drawn, when the model is not loaded (Keras's defaults).
    public var kernelInitializer = Initializer.glorotUniform, recurrentInitializer = Initializer.orthogonal(gain: 1),
               biasInitializer = Initializer.zeros
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { returnSequences ? [steps, units] : [units] }
    public internal(set) var parameters: [Parameter] = []

    init(units: Int, activation: Activation, useBias: Bool, returnSequences: Bool, goBackwards: Bool, name: String) {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.returnSequences = returnSequences
        self.goBackwards = goBackwards
        self.name = name
    }

    /// The `(features, gates x units)` input kernel.
    public var kernel: Parameter { parameters[0] }
    /// The `(units, gates x units)` recurrent kernel.
    public var recurrentKernel: Parameter { parameters[1] }
    /// The bias, when the layer has one.
    public var bias: Parameter? { useBias ? parameters[2] : nil }

    /// Steps per sample.
    var steps: Int { inputShape.first ?? 0 }
    /// Values per step of the input.
    var features: Int { inputShape.last ?? 0 }
    /// Gate pre-activations per sample and step.
    var width: Int { gateCount * units }

    // MARK: The cell

    /// Gate blocks of `units` values (1, 4, 3).
    var gateCount: Int { preconditionFailure("a recurrent layer counts its gates") }
    /// Values per sample the cell keeps from step to step besides the state (LSTM's carry), and for its
    /// backward step.
    var carryWidth: Int { 0 }
    /// Whether the cell's recurrent product has a gradient of its own (GRU's reset gate comes between).
    var recurrentGradientDiffers: Bool { false }
    /// The bias's shape (GRU's `reset_after` keeps an input and a recurrent row).
    var biasShape: [Int] { [width] }
    /// Runs the cell for one step.
    func cellForward(_ step: RecurrentStep) { preconditionFailure("a recurrent layer runs its cell") }
    /// Runs the cell's backward step.
    func cellBackward(_ step: RecurrentStepGradient) { preconditionFailure("a recurrent layer runs its cell backward") }
    /// Draws the bias (LSTM adds one to the forget gate's).
    func makeBias(_ initializer: inout ParameterInitializer) -> Parameter {
        initializer.make(biasInitializer, name: "bias", shape: biasShape)
    }

    public var forwardFlops: Double { 2 * Double(steps) * Double(width) * Double(features + units) }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard inputShape.count == 2 else {
            throw ModelError.invalidInput(layer: name, reason: "\(className) needs (steps, features) input, got \(describeShape(inputShape, batch: true))")
        }
        try requireSize(units, "units")
        for (option, activation) in [("activation", activation)] + cellActivations where activation.derivativeNeedsInput {
            throw ModelError.invalidInput(layer: name, reason: "\(option) \(activation.rawValue) is not supported in \(className) (only activations whose derivative follows from their output)")
        }
        try requireSize(inputShape[0] * (returnSequences ? units : 1), "output size")
        try requireSize(inputShape[0] * gateCount * units, "steps x gate values")  // what a pass keeps per sample
        try initializer.reserveKernel([inputShape[1], width], layer: name)
        try initializer.reserveKernel([units, width], layer: name)
        self.inputShape = inputShape
        parameters = [initializer.make(kernelInitializer, name: "kernel", shape: [features, width]),
                      initializer.make(recurrentInitializer, name: "recurrent_kernel", shape: [units, width])]
        if useBias { parameters.append(makeBias(&initializer)) }
    }

    /// The cell's other activation options, named for errors.
    var cellActivations: [(String, Activation)] { [] }

    /// The input bias: the bias, or its first row.
    private var inputBias: UnsafePointer<Float>? { bias.map { UnsafePointer($0.value) } }

    /// Where a pass keeps each block, `batch` rows per step.
    private struct Layout {
        let inputs, gates, states, carry, temporary: UnsafeMutablePointer<Float>

        init(_ layer: RecurrentLayer, batch: Int, buffer: ScratchBuffer) {
            let steps = layer.steps, stepStates = batch * layer.units, stepCarry = batch * layer.carryWidth
            let sizes = [steps * batch * layer.features, steps * batch * layer.width, (steps + 1) * stepStates,
                         (steps + 1) * stepCarry, batch * layer.width]
            var pointer = buffer.reserve(sizes.reduce(0, +))
            var blocks: [UnsafeMutablePointer<Float>] = []
            for size in sizes {
                blocks.append(pointer)
                pointer += size
            }
            (inputs, gates, states, carry, temporary) = (blocks[0], blocks[1], blocks[2], blocks[3], blocks[4])
        }
    }

    /// The input step that runs `step`-th.
    private func inputStep(_ step: Int) -> Int { goBackwards ? steps - 1 - step : step }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let layout = Layout(self, batch: batch, buffer: scratch.first)
        let stepStates = batch * units, stepCarry = batch * carryWidth
        // The input in the order the steps run, step-major, so each step's rows lie together.
        for step in 0..<steps {
            for sample in 0..<batch {
                (layout.inputs + (step * batch + sample) * features)
                    .update(from: input + (sample * steps + inputStep(step)) * features, count: features)
            }
        }
        gemm(m: steps * batch, n: width, k: features, layout.inputs, lda: features, kernel.value, ldb: width, bias: inputBias,
             layout.gates, ldc: width)
        layout.states.update(repeating: 0, count: stepStates)
        layout.carry.update(repeating: 0, count: stepCarry)
        for step in 0..<steps {
            cellForward(RecurrentStep(gates: layout.gates + step * batch * width, previous: layout.states + step * stepStates,
                                      state: layout.states + (step + 1) * stepStates,
                                      previousCarry: layout.carry + step * stepCarry, carry: layout.carry + (step + 1) * stepCarry,
                                      temporary: layout.temporary, batch: batch))
        }
        if returnSequences {
            for step in 0..<steps {
                for sample in 0..<batch {
                    (output + (sample * steps + step) * units)
                        .update(from: layout.states + (step + 1) * stepStates + sample * units, count: units)
                }
            }
        } else {
            output.update(from: layout.states + steps * stepStates, count: stepStates)
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let layout = Layout(self, batch: batch, buffer: scratch.first)
        let stepStates = batch * units, stepCarry = batch * carryWidth, stepGates = batch * width
        let all = steps * stepGates
        let sizes = [all, recurrentGradientDiffers ? all : 0, 2 * stepStates, 2 * stepCarry, stepGates]
        let gateGradients = scratch.second.reserve(sizes.reduce(0, +))
        let recurrentGradients = recurrentGradientDiffers ? gateGradients + all : gateGradients
        var stateGradient = gateGradients + sizes[0] + sizes[1], previousStateGradient = stateGradient + stepStates
        var carryGradient = previousStateGradient + stepStates, previousCarryGradient = carryGradient + stepCarry
        let temporary = previousCarryGradient + stepCarry
        previousStateGradient.update(repeating: 0, count: stepStates)
        previousCarryGradient.update(repeating: 0, count: stepCarry)
        for step in (0..<steps).reversed() {
            swap(&stateGradient, &previousStateGradient)
            swap(&carryGradient, &previousCarryGradient)
            // The gradient from the step after, plus the output's at this step.
            if returnSequences {
                for sample in 0..<batch {
                    let row = stateGradient + sample * units, source = outputGradient + (sample * steps + step) * units
                    for unit in 0..<units { row[unit] += source[unit] }
                }
            } else if step == steps - 1 {
                for index in 0..<stepStates { stateGradient[index] += outputGradient[index] }
            }
            cellBackward(RecurrentStepGradient(
                gates: layout.gates + step * stepGates, previous: layout.states + step * stepStates,
                state: layout.states + (step + 1) * stepStates, previousCarry: layout.carry + step * stepCarry,
                carry: layout.carry + (step + 1) * stepCarry, stateGradient: stateGradient, carryGradient: carryGradient,
                previousStateGradient: previousStateGradient, previousCarryGradient: previousCarryGradient,
                gateGradient: gateGradients + step * stepGates, recurrentGradient: recurrentGradients + step * stepGates,
                temporary: temporary, batch: batch))
        }
        let rows = steps * batch
        gemm(transposeA: true, m: features, n: width, k: rows, layout.inputs, lda: features, gateGradients, ldb: width,
             gradients[0], ldc: width)
        recurrentKernelGradient(gradients[1], states: layout.states, carry: layout.carry + stepCarry,
                                recurrentGradients: recurrentGradients, rows: rows)
        if useBias {
            columnSums(gradients[2], gateGradients, rows: rows, width: width)
            if biasShape.count == 2 { columnSums(gradients[2] + width, recurrentGradients, rows: rows, width: width) }
        }
        guard let inputGradient else { return }
        // The input gradient in step-major order (where the inputs were, now used), then in the input's.
        let stepInputs = layout.inputs
        gemm(transposeB: true, m: rows, n: features, k: width, gateGradients, lda: width, kernel.value, ldb: width,
             stepInputs, ldc: features)
        for step in 0..<steps {
            for sample in 0..<batch {
                (inputGradient + (sample * steps + inputStep(step)) * features)
                    .update(from: stepInputs + (step * batch + sample) * features, count: features)
            }
        }
    }

    /// Writes the recurrent kernel's gradient: the states before each step (one block of `rows` rows, the
    /// initial state's first) times the recurrent gradients. GRU without `reset_after` multiplies another
    /// input into part of the kernel, which it keeps in `carry` (each step's, the first step's first), and
    /// overrides this.
    func recurrentKernelGradient(_ gradient: UnsafeMutablePointer<Float>, states: UnsafePointer<Float>, carry: UnsafePointer<Float>,
                                 recurrentGradients: UnsafePointer<Float>, rows: Int) {
        gemm(transposeA: true, m: units, n: width, k: rows, states, lda: units, recurrentGradients, ldb: width,
             gradient, ldc: width)
    }

    /// Adds `previous` times the recurrent kernel's gate blocks `gates` to those blocks of `rows` rows of
    /// `target` (of row length `width`).
    func addRecurrentProduct(_ previous: UnsafePointer<Float>, gates: Range<Int>, to target: UnsafeMutablePointer<Float>, rows: Int) {
        gemm(m: rows, n: gates.count * units, k: units, previous, lda: units, recurrentKernel.value + gates.lowerBound * units,
             ldb: width, accumulate: true, target + gates.lowerBound * units, ldc: width)
    }

    /// Writes `gradient`'s product (`rows` rows of `width`, gate blocks `gates`) with those blocks of the
    /// recurrent kernel transposed into `target` (rows of `units`), or adds it.
    func recurrentBackProduct(_ gradient: UnsafePointer<Float>, gates: Range<Int>, into target: UnsafeMutablePointer<Float>,
                              rows: Int, accumulate: Bool = false) {
        gemm(transposeB: true, m: rows, n: units, k: gates.count * units, gradient + gates.lowerBound * units, lda: width,
             recurrentKernel.value + gates.lowerBound * units, ldb: width, accumulate: accumulate, target, ldc: units)
    }

    /// Applies `activation` to gate block `gate` of each of `rows` rows in place.
    func activate(_ activation: Activation, gate: Int, of values: UnsafeMutablePointer<Float>, rows: Int) {
        for row in 0..<rows { activation.apply(values + row * width + gate * units, rows: 1, width: units) }
    }

    /// Turns gate block `gate` of `gradient` (rows of `width`) into the gradient before `activation`, from
    /// the same block of `values`, its output.
    func activationBackward(_ activation: Activation, gate: Int, gradient: UnsafeMutablePointer<Float>, values: UnsafePointer<Float>,
                            rows: Int) {
        for row in 0..<rows {
            let offset = row * width + gate * units
            activation.backward(gradient: gradient + offset, output: values + offset, input: nil, rows: 1, width: units)
        }
    }
}
