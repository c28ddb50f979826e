import CKernels

/// Keras `LSTM`: gates input, forget, candidate and output (Keras's order), a carry `c = f * c + i * g` and
/// the state `h = o * activation(c)`; see ``RecurrentLayer`` for what all recurrent layers share.
public final class LSTM: RecurrentLayer {
    public override var className: String { "LSTM" }
    /// Keras's `recurrent_activation`, applied to the input, forget and output gates.
    public let recurrentActivation: Activation
    /// Keras's `unit_forget_bias`: the forget gate's bias starts at one.
    public let unitForgetBias: Bool

    /// A layer with Keras's options; its weights are created when the model is built.
    public init(units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid, useBias: Bool = true,
                unitForgetBias: Bool = true, returnSequences: Bool = false, goBackwards: Bool = false, name: String = "lstm") {
        self.recurrentActivation = recurrentActivation
        self.unitForgetBias = unitForgetBias
        super.init(units: units, activation: activation, useBias: useBias, returnSequences: returnSequences,
                   goBackwards: goBackwards, name: name)
    }

    override var gateCount: Int { 4 }
    /// The carry, then its activation.
    override var carryWidth: Int { 2 * units }
    /// The state and the carry.
    override var stateCount: Int { 2 }
    override var cellActivations: [(String, Activation)] { [("recurrent_activation", recurrentActivation)] }

    override func makeBias(_ initializer: inout ParameterInitializer) -> Parameter {
        let bias = super.makeBias(&initializer)
        if unitForgetBias && initializer.generator != nil { (bias.value + units).update(repeating: 1, count: units) }
        return bias
    }

    override func cellForward(_ step: RecurrentStep) {
        addRecurrentProduct(step, gates: 0..<4, to: step.gates)
        ck_lstm_cell(recurrentActivation.kernelKind, activation.kernelKind, step.gates, width, step.previousCarry, step.carry,
                     step.carry + step.batch * units, step.state, step.batch, units)
    }

    override func cellBackward(_ step: RecurrentStepGradient) {
        let rows = step.batch, activated = step.carry + rows * units, carryGradient = step.temporary
        // d(loss)/d(carry) through the state: dh * o, through the activation.
        for row in 0..<rows {
            let output = step.gates + row * width + 3 * units, source = step.stateGradient + row * units
            for unit in 0..<units { carryGradient[row * units + unit] = source[unit] * output[unit] }
        }
        activation.backward(gradient: carryGradient, output: activated, input: nil, rows: rows, width: units)
        for row in 0..<rows {
            let values = step.gates + row * width, gradient = step.gateGradient + row * width
            let stateGradient = step.stateGradient + row * units, carried = activated + row * units
            let previous = step.previousCarry + row * units, fromAfter = step.carryGradient + row * units
            let previousGradient = step.previousCarryGradient + row * units, total = carryGradient + row * units
            for unit in 0..<units {
                let carry = total[unit] + fromAfter[unit]
                gradient[unit] = carry * values[2 * units + unit]
                gradient[units + unit] = carry * previous[unit]
                gradient[2 * units + unit] = carry * values[unit]
                gradient[3 * units + unit] = stateGradient[unit] * carried[unit]
                previousGradient[unit] = carry * values[units + unit]
            }
        }
        for gate in [0, 1, 3] { activationBackward(recurrentActivation, gate: gate, gradient: step.gateGradient, values: step.gates, rows: rows) }
        activationBackward(activation, gate: 2, gradient: step.gateGradient, values: step.gates, rows: rows)
        recurrentBackProduct(step, step.gateGradient, gates: 0..<4, into: step.previousStateGradient)
    }
}
