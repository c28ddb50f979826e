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
    /// The recurrent dropout of a training pass.
    let dropout: RecurrentDropout

    /// The previous state as the recurrent product of gate block `gate` takes it: masked by that gate's
    /// recurrent dropout in a training pass that has one.
    func previous(seenBy gate: Int) -> UnsafePointer<Float> { dropout.masked(gate) ?? previous }
}

/// A training pass's recurrent dropout: the previous state as each gate's recurrent product takes it.
struct RecurrentDropout {
    /// (groups, batch, units) masks, nil without recurrent dropout: one group for all gates, or one per gate.
    let masks: UnsafePointer<Float>?
    /// The step's previous state times each group's mask.
    let maskedPrevious: UnsafePointer<Float>?
    let groups: Int
    let stepValues: Int

    /// No recurrent dropout.
    static var none: RecurrentDropout { RecurrentDropout(masks: nil, maskedPrevious: nil, groups: 0, stepValues: 0) }

    /// The mask of gate block `gate`, or nil.
    func mask(_ gate: Int) -> UnsafePointer<Float>? { masks.map { $0 + (groups == 1 ? 0 : gate) * stepValues } }
    /// The masked previous state of gate block `gate`, or nil.
    func masked(_ gate: Int) -> UnsafePointer<Float>? { maskedPrevious.map { $0 + (groups == 1 ? 0 : gate) * stepValues } }
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
    /// The recurrent dropout of the forward step, its masked previous states made again.
    let dropout: RecurrentDropout
    /// (batch, units) values for the recurrent helpers.
    let productTemporary: UnsafeMutablePointer<Float>

    /// The previous state as the recurrent product of gate block `gate` took it.
    func previous(seenBy gate: Int) -> UnsafePointer<Float> { dropout.masked(gate) ?? previous }
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
/// ``cellBackward(_:)``.
///
/// In training, `dropout` masks the input and `recurrent_dropout` the previous state the recurrent product
/// takes, each mask drawn once per pass and kept for every step, as Keras's cells keep theirs. With
/// `recurrent_dropout` LSTM and GRU draw a mask per gate for each (Keras's `implementation` 1, which it switches
/// to then), without it one input mask serves all gates.
///
/// With a mask on the input (see ``MaskHandling``) a masked step leaves a sample's state as it was, and its
/// output is the state carried (or zeros, with `zero_output_for_mask`), as Keras's `rnn` loop does.
///
/// Keras's `initial_state`, given as inputs after the sequence (the state, then LSTM's carry), replaces the
/// zero state the first step starts from; with `return_state` the last state (and carry) are outputs after
/// the output (see ``Layer/outputShapes``), as an encoder hands them to a decoder.
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
    /// Keras's `dropout` and `recurrent_dropout`: the fractions of the input and of the previous state zeroed
    /// in training.
    public var dropout: Float = 0, recurrentDropout: Float = 0
    /// Keras's `zero_output_for_mask`: a masked step outputs zeros rather than the state carried.
    public var zeroOutputForMask = false
    /// Keras's `return_state`: the last state (and LSTM's carry) as outputs after the output.
    public var returnState = false
    /// How many initial states the layer is called with (0, or ``stateCount``), set when the model is built.
    public private(set) var initialStateCount = 0
    /// How the weights are first drawn, when the model is not loaded (Keras's defaults).
    public var kernelInitializer = Initializer.glorotUniform, recurrentInitializer = Initializer.orthogonal(gain: 1),
               biasInitializer = Initializer.zeros
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { returnSequences ? [steps, units] : [units] }
    public var outputShapes: [[Int]] { [outputShape] + Array(repeating: [units], count: returnState ? stateCount : 0) }
    /// The sequence, then the initial states given.
    public var inputShapes: [[Int]] { [inputShape] + Array(repeating: [units], count: initialStateCount) }
    public internal(set) var parameters: [Parameter] = []
    /// The recurrent kernel packed once for the steps of an inference call (see ``prepareInference(samples:)``).
    private var packedRecurrentKernel: PackedMatrix?

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
    /// The states a call returns and may start from: the state, and LSTM's carry (the first `units` values
    /// of each carry row).
    var stateCount: Int { 1 }
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
    /// Reads a mask, which its sequences carry on. Called with initial states, Keras 3 runs it without the
    /// mask (it fills a call's mask only for a call of one tensor) and tf-keras with it: not supported.
    public var maskHandling: MaskHandling { initialStateCount > 0 ? .unsupported : .reads(passesOn: returnSequences) }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard inputShape.count == 2 else {
            throw ModelError.invalidInput(layer: name, reason: "\(className) needs (steps, features) input, got \(describeShape(inputShape, batch: true))")
        }
        try requireSize(units, "units")
        try checkDropoutRate(dropout, layer: name)
        try checkDropoutRate(recurrentDropout, layer: name)
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

    /// Dropout masks per gate (with `recurrent_dropout`, as Keras's `implementation` 1) or one for all.
    private var maskGroups: Int { recurrentDropout > 0 ? gateCount : 1 }
    /// Input masks of a training pass: none, one for all gates, or one per gate.
    private var inputMaskGroups: Int { dropout > 0 ? maskGroups : 0 }
    /// Recurrent masks of a training pass.
    private var recurrentMaskGroups: Int { recurrentDropout > 0 ? maskGroups : 0 }

    /// Where a pass keeps each block, `batch` rows per step; a training pass with dropout keeps its masks.
    private struct Layout {
        let inputs, gates, states, carry, temporary: UnsafeMutablePointer<Float>
        /// (groups, batch, features) input masks and, with one per gate, the inputs each gate's product takes
        /// (groups, steps x batch, features); (groups, batch, units) recurrent masks and the step's masked state.
        let inputMasks, maskedInputs, recurrentMasks, maskedPrevious: UnsafeMutablePointer<Float>

        init(_ layer: RecurrentLayer, batch: Int, training: Bool, buffer: ScratchBuffer) {
            let steps = layer.steps, stepStates = batch * layer.units, stepCarry = batch * layer.carryWidth
            let inputGroups = training ? layer.inputMaskGroups : 0, recurrentGroups = training ? layer.recurrentMaskGroups : 0
            let stepInputs = batch * layer.features
            let sizes = [steps * stepInputs, steps * batch * layer.width, (steps + 1) * stepStates, (steps + 1) * stepCarry,
                         batch * layer.width, inputGroups * stepInputs, inputGroups > 1 ? inputGroups * steps * stepInputs : 0,
                         recurrentGroups * stepStates, recurrentGroups * stepStates]
            var pointer = buffer.reserve(sizes.reduce(0, +))
            var blocks: [UnsafeMutablePointer<Float>] = []
            for size in sizes {
                blocks.append(pointer)
                pointer += size
            }
            (inputs, gates, states, carry, temporary) = (blocks[0], blocks[1], blocks[2], blocks[3], blocks[4])
            (inputMasks, maskedInputs, recurrentMasks, maskedPrevious) = (blocks[5], blocks[6], blocks[7], blocks[8])
        }
    }

    /// The input step that runs `step`-th.
    private func inputStep(_ step: Int) -> Int { goBackwards ? steps - 1 - step : step }

    /// The inputs gate block `gate`'s projection takes, `rows` rows: masked by its own mask when each gate
    /// has one (else the inputs, masked in place by the one mask there is).
    private func projectionInputs(_ layout: Layout, gate: Int, rows: Int, training: Bool) -> UnsafeMutablePointer<Float> {
        training && inputMaskGroups > 1 ? layout.maskedInputs + gate * rows * features : layout.inputs
    }

    /// The gate blocks the input projection is computed for at once: all of them, or one at a time when each
    /// has its own input mask.
    private func projectionBlocks(training: Bool) -> [Range<Int>] {
        training && inputMaskGroups > 1 ? (0..<gateCount).map { $0..<$0 + 1 } : [0..<gateCount]
    }

    /// The recurrent dropout of a step whose previous state is `previous`, its masked copies made in `layout`.
    private func stepDropout(_ layout: Layout, previous: UnsafePointer<Float>, batch: Int, training: Bool) -> RecurrentDropout {
        let groups = training ? recurrentMaskGroups : 0, stepStates = batch * units
        guard groups > 0 else { return .none }
        for group in 0..<groups {
            multiplyRows(previous, by: layout.recurrentMasks + group * stepStates, into: layout.maskedPrevious + group * stepStates,
                         rows: 1, sampleValues: stepStates)
        }
        return RecurrentDropout(masks: layout.recurrentMasks, maskedPrevious: layout.maskedPrevious, groups: groups, stepValues: stepStates)
    }

    /// Writes `values` (`rows` blocks of `sampleValues`) times `masks` (one block) into `target`, which may be
    /// `values`.
    private func multiplyRows(_ values: UnsafePointer<Float>, by masks: UnsafePointer<Float>, into target: UnsafeMutablePointer<Float>,
                              rows: Int, sampleValues: Int) {
        for row in 0..<rows {
            let source = values + row * sampleValues, destination = target + row * sampleValues
            for index in 0..<sampleValues { destination[index] = source[index] * masks[index] }
        }
    }

    /// Draws `count` masks keeping each value with probability `1 - rate`, scaled by `1 / (1 - rate)`.
    private func drawMasks(_ masks: UnsafeMutablePointer<Float>, count: Int, rate: Float, scratch: LayerScratch) {
        let keep = 1 - rate, scale = 1 / keep
        for index in 0..<count { masks[index] = scratch.generator.nextUnitFloat() < keep ? scale : 0 }
    }

    /// Takes the sequence and, as Keras's `initial_state`, none or all of the states.
    public func build(inputShapes: [[Int]], initializer: inout ParameterInitializer) throws {
        guard let sequence = inputShapes.first, inputShapes.count == 1 || inputShapes.count == 1 + stateCount,
              inputShapes.dropFirst().allSatisfy({ $0 == [units] }) else {
            throw ModelError.invalidInput(layer: name, reason: "\(className) takes a sequence and, as initial_state, \(stateCount) state\(stateCount == 1 ? "" : "s") of (None, \(units)); given \(inputShapes.map { describeShape($0, batch: true) }.joined(separator: ", "))")
        }
        try build(inputShape: sequence, initializer: &initializer)
        initialStateCount = inputShapes.count - 1
    }

    public func forward(_ inputs: LayerInputs, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode, scratch: LayerScratch) {
        run(inputs[0], initialStates: (1..<inputs.count).map { inputs[$0] }, output, batch: batch, mode: mode, scratch: scratch)
    }

    public func backward(_ inputs: LayerInputs, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradients: LayerInputGradients, batch: Int, scratch: LayerScratch, gradients: [UnsafeMutablePointer<Float>]) {
        runBackward(inputs[0], outputGradient: outputGradient, inputGradient: inputGradients[0],
                    initialStateGradients: (1..<inputs.count).map { inputGradients[$0] }, batch: batch, scratch: scratch, gradients: gradients)
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        run(input, initialStates: [], output, batch: batch, mode: mode, scratch: scratch)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        runBackward(input, outputGradient: outputGradient, inputGradient: inputGradient, initialStateGradients: [], batch: batch,
                    scratch: scratch, gradients: gradients)
    }

    /// Samples an inference call needs before the recurrent kernel is packed once for all its steps: with one
    /// or two rows per product the GEMM streams the kernel unpacked.
    private static let packingSamples = 8

    /// Packs the recurrent kernel once for every step of a call over many samples, which the GEMM would
    /// otherwise pack again at every step.
    public func prepareInference(samples: Int) {
        if samples >= Self.packingSamples { packedRecurrentKernel = PackedMatrix(recurrentKernel.value, rows: units, columns: width) }
    }

    /// Frees the packed recurrent kernel.
    public func finishInference() { packedRecurrentKernel = nil }

    /// The forward pass from `initialStates` (none: zeros), each `batch` rows of `units`.
    private func run(_ input: UnsafePointer<Float>, initialStates: [UnsafePointer<Float>], _ output: UnsafeMutablePointer<Float>,
                     batch: Int, mode: PassMode, scratch: LayerScratch) {
        let training = mode == .training
        let layout = Layout(self, batch: batch, training: training, buffer: scratch.first)
        let stepStates = batch * units, stepCarry = batch * carryWidth, stepInputs = batch * features, rows = steps * batch
        // The input in the order the steps run, step-major, so each step's rows lie together.
        for step in 0..<steps {
            for sample in 0..<batch {
                (layout.inputs + (step * batch + sample) * features)
                    .update(from: input + (sample * steps + inputStep(step)) * features, count: features)
            }
        }
        if training {
            drawMasks(layout.inputMasks, count: inputMaskGroups * stepInputs, rate: dropout, scratch: scratch)
            drawMasks(layout.recurrentMasks, count: recurrentMaskGroups * stepStates, rate: recurrentDropout, scratch: scratch)
            for group in 0..<inputMaskGroups {
                multiplyRows(layout.inputs, by: layout.inputMasks + group * stepInputs,
                             into: projectionInputs(layout, gate: group, rows: rows, training: true), rows: steps, sampleValues: stepInputs)
            }
        }
        for gates in projectionBlocks(training: training) {
            let offset = gates.lowerBound * units
            gemm(m: rows, n: gates.count * units, k: features, projectionInputs(layout, gate: gates.lowerBound, rows: rows, training: training),
                 lda: features, kernel.value + offset, ldb: width, bias: inputBias.map { $0 + offset }, layout.gates + offset, ldc: width)
        }
        layout.states.update(repeating: 0, count: stepStates)
        layout.carry.update(repeating: 0, count: stepCarry)
        for (index, state) in initialStates.enumerated() { (index == 0 ? layout.states : layout.carry).update(from: state, count: stepStates) }
        for step in 0..<steps {
            let previous = layout.states + step * stepStates
            cellForward(RecurrentStep(gates: layout.gates + step * batch * width, previous: previous,
                                      state: layout.states + (step + 1) * stepStates,
                                      previousCarry: layout.carry + step * stepCarry, carry: layout.carry + (step + 1) * stepCarry,
                                      temporary: layout.temporary, batch: batch,
                                      dropout: stepDropout(layout, previous: previous, batch: batch, training: training)))
            if let mask = scratch.inputMask { keepMaskedStates(mask, layout: layout, step: step, batch: batch) }
        }
        let zeroed = zeroOutputForMask ? scratch.inputMask : nil
        for step in returnSequences ? 0..<steps : steps - 1..<steps {
            for sample in 0..<batch {
                let target = output + (returnSequences ? sample * steps + step : sample) * units
                if let zeroed, zeroed[sample * steps + inputStep(step)] == 0 { target.update(repeating: 0, count: units) } else {
                    target.update(from: layout.states + (step + 1) * stepStates + sample * units, count: units)
                }
            }
        }
        guard returnState else { return }
        let states = output + batch * outputSize
        states.update(from: layout.states + steps * stepStates, count: stepStates)
        if stateCount == 2 { (states + stepStates).update(from: layout.carry + steps * stepCarry, count: stepStates) }
    }

    /// Gives each sample whose input step `step` runs is masked the state and carry it had before the step.
    private func keepMaskedStates(_ mask: UnsafePointer<Float>, layout: Layout, step: Int, batch: Int) {
        let stepStates = batch * units, stepCarry = batch * carryWidth
        for sample in 0..<batch where mask[sample * steps + inputStep(step)] == 0 {
            (layout.states + (step + 1) * stepStates + sample * units)
                .update(from: layout.states + step * stepStates + sample * units, count: units)
            for row in carryRows(of: sample, batch: batch) {
                (layout.carry + (step + 1) * stepCarry + row).update(from: layout.carry + step * stepCarry + row, count: units)
            }
        }
    }

    /// Where sample `sample`'s values lie in a step's carry (or its gradient): the carry is blocks of `batch`
    /// rows of `units`, one block per kind of value the cell keeps.
    private func carryRows(of sample: Int, batch: Int) -> StrideTo<Int> {
        stride(from: sample * units, to: batch * carryWidth, by: batch * units)
    }

    /// The backward pass: d(loss)/d(input) into `inputGradient` and d(loss)/d(each initial state) into
    /// `initialStateGradients`, when given; the returned states' gradients follow the output's in `outputGradient`.
    private func runBackward(_ input: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                             inputGradient: UnsafeMutablePointer<Float>?, initialStateGradients: [UnsafeMutablePointer<Float>?],
                             batch: Int, scratch: LayerScratch, gradients: [UnsafeMutablePointer<Float>]) {
        let layout = Layout(self, batch: batch, training: true, buffer: scratch.first)
        let stepStates = batch * units, stepCarry = batch * carryWidth, stepGates = batch * width
        let all = steps * stepGates, rows = steps * batch
        let mask = scratch.inputMask, zeroed = zeroOutputForMask ? mask : nil
        let sizes = [all, recurrentGradientDiffers ? all : 0, 2 * stepStates, 2 * stepCarry, stepGates, stepStates,
                     recurrentMaskGroups > 0 ? rows * units : 0, inputMaskGroups > 0 ? rows * features : 0,
                     mask == nil ? 0 : stepStates + stepCarry]
        let gateGradients = scratch.second.reserve(sizes.reduce(0, +))
        let recurrentGradients = recurrentGradientDiffers ? gateGradients + all : gateGradients
        var stateGradient = gateGradients + sizes[0] + sizes[1], previousStateGradient = stateGradient + stepStates
        var carryGradient = previousStateGradient + stepStates, previousCarryGradient = carryGradient + stepCarry
        let temporary = previousCarryGradient + stepCarry, productTemporary = temporary + stepGates
        let maskedStates = productTemporary + stepStates, maskedProduct = maskedStates + sizes[6]
        let carriedGradients = maskedProduct + sizes[7]
        previousStateGradient.update(repeating: 0, count: stepStates)
        previousCarryGradient.update(repeating: 0, count: stepCarry)
        // The returned states' gradients flow in after the last step.
        if returnState {
            previousStateGradient.update(from: outputGradient + batch * outputSize, count: stepStates)
            if stateCount == 2 { previousCarryGradient.update(from: outputGradient + batch * outputSize + stepStates, count: stepStates) }
        }
        for step in (0..<steps).reversed() {
            swap(&stateGradient, &previousStateGradient)
            swap(&carryGradient, &previousCarryGradient)
            // The gradient from the step after, plus the output's at this step.
            // The gradient from the step after, plus the output's at this step (none for a zeroed output).
            if returnSequences || step == steps - 1 {
                for sample in 0..<batch {
                    if let zeroed, zeroed[sample * steps + inputStep(step)] == 0 { continue }
                    let row = stateGradient + sample * units
                    let source = outputGradient + (returnSequences ? sample * steps + step : sample) * units
                    for unit in 0..<units { row[unit] += source[unit] }
                }
            }
            if let mask { holdMaskedGradients(mask, step: step, batch: batch, state: stateGradient, carry: carryGradient, into: carriedGradients) }
            let previous = layout.states + step * stepStates
            cellBackward(RecurrentStepGradient(
                gates: layout.gates + step * stepGates, previous: previous,
                state: layout.states + (step + 1) * stepStates, previousCarry: layout.carry + step * stepCarry,
                carry: layout.carry + (step + 1) * stepCarry, stateGradient: stateGradient, carryGradient: carryGradient,
                previousStateGradient: previousStateGradient, previousCarryGradient: previousCarryGradient,
                gateGradient: gateGradients + step * stepGates, recurrentGradient: recurrentGradients + step * stepGates,
                temporary: temporary, batch: batch, dropout: stepDropout(layout, previous: previous, batch: batch, training: true),
                productTemporary: productTemporary))
            if let mask {
                passMaskedGradients(mask, step: step, batch: batch, from: carriedGradients, state: previousStateGradient,
                                    carry: previousCarryGradient, gates: gateGradients + step * stepGates,
                                    recurrent: recurrentGradients + step * stepGates)
            }
        }
        kernelGradients(gradients, layout: layout, gateGradients: gateGradients, recurrentGradients: recurrentGradients,
                        maskedStates: maskedStates, batch: batch)
        for (index, target) in initialStateGradients.enumerated() {
            target?.update(from: index == 0 ? previousStateGradient : previousCarryGradient, count: stepStates)
        }
        if let inputGradient {
            self.inputGradient(inputGradient, layout: layout, gateGradients: gateGradients, maskedProduct: maskedProduct, batch: batch)
        }
    }

    /// Moves the state and carry gradients of the samples masked at `step` into `held` and zeroes them, so
    /// that the cell's step gives those samples no gradient.
    private func holdMaskedGradients(_ mask: UnsafePointer<Float>, step: Int, batch: Int, state: UnsafeMutablePointer<Float>,
                                     carry: UnsafeMutablePointer<Float>, into held: UnsafeMutablePointer<Float>) {
        let heldCarry = held + batch * units
        for sample in 0..<batch where mask[sample * steps + inputStep(step)] == 0 {
            (held + sample * units).update(from: state + sample * units, count: units)
            (state + sample * units).update(repeating: 0, count: units)
            for row in carryRows(of: sample, batch: batch) {
                (heldCarry + row).update(from: carry + row, count: units)
                (carry + row).update(repeating: 0, count: units)
            }
        }
    }

    /// After the cell's backward step: a sample masked at `step` kept its state and carry, so their held
    /// gradients pass to the previous state and carry unchanged, and its gate gradients are 0.
    private func passMaskedGradients(_ mask: UnsafePointer<Float>, step: Int, batch: Int, from held: UnsafePointer<Float>,
                                     state: UnsafeMutablePointer<Float>, carry: UnsafeMutablePointer<Float>,
                                     gates: UnsafeMutablePointer<Float>, recurrent: UnsafeMutablePointer<Float>) {
        let heldCarry = held + batch * units
        for sample in 0..<batch where mask[sample * steps + inputStep(step)] == 0 {
            (state + sample * units).update(from: held + sample * units, count: units)
            for row in carryRows(of: sample, batch: batch) { (carry + row).update(from: heldCarry + row, count: units) }
            (gates + sample * width).update(repeating: 0, count: width)
            (recurrent + sample * width).update(repeating: 0, count: width)
        }
    }

    /// Writes the kernel, recurrent kernel and bias gradients of all steps at once, from the gate and
    /// recurrent gradients the backward steps left; `maskedStates` is room for the states masked by a gate's
    /// recurrent dropout.
    private func kernelGradients(_ gradients: [UnsafeMutablePointer<Float>], layout: Layout, gateGradients: UnsafePointer<Float>,
                                 recurrentGradients: UnsafePointer<Float>, maskedStates: UnsafeMutablePointer<Float>, batch: Int) {
        let rows = steps * batch, stepStates = batch * units
        for gates in projectionBlocks(training: true) {
            let offset = gates.lowerBound * units
            gemm(transposeA: true, m: features, n: gates.count * units, k: rows, projectionInputs(layout, gate: gates.lowerBound, rows: rows, training: true),
                 lda: features, gateGradients + offset, ldb: width, gradients[0] + offset, ldc: width)
        }
        // The recurrent kernel's gradient, a gate block at a time when the blocks' previous states differ.
        let ownInputs = (0..<gateCount).map { cellRecurrentInputs(gate: $0, carry: layout.carry + batch * carryWidth) }
        let recurrentBlocks = recurrentMaskGroups > 1 || ownInputs.contains { $0 != nil } ? (0..<gateCount).map { $0..<$0 + 1 } : [0..<gateCount]
        for gates in recurrentBlocks {
            var states = UnsafePointer(layout.states)
            if let own = ownInputs[gates.lowerBound] {
                states = own
            } else if recurrentMaskGroups > 0 {
                multiplyRows(layout.states, by: layout.recurrentMasks + (recurrentMaskGroups == 1 ? 0 : gates.lowerBound) * stepStates,
                             into: maskedStates, rows: steps, sampleValues: stepStates)
                states = UnsafePointer(maskedStates)
            }
            let offset = gates.lowerBound * units
            gemm(transposeA: true, m: units, n: gates.count * units, k: rows, states, lda: units, recurrentGradients + offset, ldb: width,
                 gradients[1] + offset, ldc: width)
        }
        if useBias {
            columnSums(gradients[2], gateGradients, rows: rows, width: width)
            if biasShape.count == 2 { columnSums(gradients[2] + width, recurrentGradients, rows: rows, width: width) }
        }
    }

    /// Writes d(loss)/d(input) from the gate gradients of all steps: in step-major order where the inputs were
    /// (now used), through the input dropout masks (`maskedProduct` is room for a product before them), then in
    /// the input's order.
    private func inputGradient(_ inputGradient: UnsafeMutablePointer<Float>, layout: Layout, gateGradients: UnsafePointer<Float>,
                               maskedProduct: UnsafeMutablePointer<Float>, batch: Int) {
        let rows = steps * batch, stepInputs = batch * features, stepInputGradient = layout.inputs
        for gates in projectionBlocks(training: true) {
            let offset = gates.lowerBound * units, masked = inputMaskGroups > 0
            gemm(transposeB: true, m: rows, n: features, k: gates.count * units, gateGradients + offset, lda: width, kernel.value + offset,
                 ldb: width, masked ? maskedProduct : stepInputGradient, ldc: features)
            guard masked else { continue }
            let mask = layout.inputMasks + (inputMaskGroups == 1 ? 0 : gates.lowerBound) * stepInputs
            for step in 0..<steps {
                let source = maskedProduct + step * stepInputs, target = stepInputGradient + step * stepInputs
                for index in 0..<stepInputs {
                    target[index] = (gates.lowerBound == 0 ? 0 : target[index]) + source[index] * mask[index]
                }
            }
        }
        for step in 0..<steps {
            for sample in 0..<batch {
                (inputGradient + (sample * steps + inputStep(step)) * features)
                    .update(from: stepInputGradient + (step * batch + sample) * features, count: features)
            }
        }
    }

    /// The inputs of gate block `gate`'s recurrent product over all steps (`steps x batch` rows from
    /// `carry`, each step's carry), when the cell multiplies another value than the previous state into it (GRU
    /// without `reset_after`: the reset state); nil for the previous state.
    func cellRecurrentInputs(gate: Int, carry: UnsafePointer<Float>) -> UnsafePointer<Float>? { nil }

    /// Adds the step's previous state (as each gate takes it) times the recurrent kernel's gate blocks `gates`
    /// to those blocks of `rows` rows of `target` (of row length `width`).
    func addRecurrentProduct(_ step: RecurrentStep, gates: Range<Int>, to target: UnsafeMutablePointer<Float>) {
        for blocks in step.dropout.groups > 1 ? gates.map({ $0..<$0 + 1 }) : [gates] {
            addProduct(step.previous(seenBy: blocks.lowerBound), gates: blocks, to: target, rows: step.batch)
        }
    }

    /// Adds `values` (rows of `units`) times the recurrent kernel's gate blocks `gates` to those blocks of
    /// `rows` rows of `target`.
    func addProduct(_ values: UnsafePointer<Float>, gates: Range<Int>, to target: UnsafeMutablePointer<Float>, rows: Int) {
        if let packedRecurrentKernel, gates == 0..<gateCount {
            return gemm(m: rows, n: width, k: units, values, lda: units, recurrentKernel.value, packed: packedRecurrentKernel,
                        accumulate: true, bias: nil, target, ldc: width)
        }
        gemm(m: rows, n: gates.count * units, k: units, values, lda: units, recurrentKernel.value + gates.lowerBound * units,
             ldb: width, accumulate: true, target + gates.lowerBound * units, ldc: width)
    }

    /// Writes into `target` (rows of `units`), or adds to it, d(loss)/d(previous state) through the recurrent
    /// product of gate blocks `gates`, given that product's gradient (rows of `width`): through each gate's
    /// recurrent dropout mask when the step had one.
    func recurrentBackProduct(_ step: RecurrentStepGradient, _ gradient: UnsafePointer<Float>, gates: Range<Int>,
                              into target: UnsafeMutablePointer<Float>, accumulate: Bool = false) {
        let rows = step.batch
        guard step.dropout.masks != nil else {
            return backProduct(gradient, gates: gates, into: target, rows: rows, accumulate: accumulate)
        }
        for (index, blocks) in (step.dropout.groups > 1 ? gates.map { $0..<$0 + 1 } : [gates]).enumerated() {
            backProduct(gradient, gates: blocks, into: step.productTemporary, rows: rows)
            let mask = step.dropout.mask(blocks.lowerBound)!, first = index == 0 && !accumulate
            for value in 0..<rows * units {
                target[value] = (first ? 0 : target[value]) + step.productTemporary[value] * mask[value]
            }
        }
    }

    /// Writes `gradient`'s product (`rows` rows of `width`, gate blocks `gates`) with those blocks of the
    /// recurrent kernel transposed into `target` (rows of `units`), or adds it.
    func backProduct(_ gradient: UnsafePointer<Float>, gates: Range<Int>, into target: UnsafeMutablePointer<Float>, rows: Int,
                     accumulate: Bool = false) {
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
