import CKernels

/// Keras `GRU`: update and reset gates `z`, `r` and a candidate `hh` (Keras's order), the state
/// `h = z * h + (1 - z) * hh`; see ``RecurrentLayer`` for what all recurrent layers share.
///
/// With `reset_after` (Keras 3's default and cuDNN's form) the reset gate scales the previous state's product
/// with the recurrent kernel, which has a bias of its own (the bias is `(2, 3 x units)`: input row, then
/// recurrent row); without it (Keras 2.2's form) the reset gate scales the previous state before that product.
public final class GRU: RecurrentLayer {
    public override var className: String { "GRU" }
    /// Keras's `recurrent_activation`, applied to the update and reset gates.
    public let recurrentActivation: Activation
    /// Keras's `reset_after`.
    public let resetAfter: Bool

    /// A layer with Keras's options; its weights are created when the model is built.
    public init(units: Int, activation: Activation = .tanh, recurrentActivation: Activation = .sigmoid, useBias: Bool = true,
                resetAfter: Bool = true, returnSequences: Bool = false, goBackwards: Bool = false, name: String = "gru") {
        self.recurrentActivation = recurrentActivation
        self.resetAfter = resetAfter
        super.init(units: units, activation: activation, useBias: useBias, returnSequences: returnSequences,
                   goBackwards: goBackwards, name: name)
    }

    override var gateCount: Int { 3 }
    /// With `reset_after`, the candidate's recurrent product; without, the reset previous state `r * h`.
    override var carryWidth: Int { units }
    override var recurrentGradientDiffers: Bool { resetAfter }
    override var biasShape: [Int] { resetAfter ? [2, width] : [width] }
    override var cellActivations: [(String, Activation)] { [("recurrent_activation", recurrentActivation)] }

    override func cellForward(_ step: RecurrentStep) {
        let gates = step.gates, rows = step.batch
        if resetAfter {
            let product = step.temporary
            for row in 0..<rows {
                if let bias { (product + row * width).update(from: bias.value + width, count: width) } else {
                    (product + row * width).update(repeating: 0, count: width)
                }
            }
            addRecurrentProduct(step, gates: 0..<3, to: product)
            return ck_gru_cell(recurrentActivation.kernelKind, activation.kernelKind, gates, product, width, step.previous, step.carry,
                               step.state, rows, units)
        }
        addRecurrentProduct(step, gates: 0..<2, to: gates)
        for gate in 0..<2 { activate(recurrentActivation, gate: gate, of: gates, rows: rows) }
        let seen = step.previous(seenBy: 2)
        for row in 0..<rows {
            let reset = gates + row * width + units, previous = seen + row * units, kept = step.carry + row * units
            for unit in 0..<units { kept[unit] = reset[unit] * previous[unit] }
        }
        addProduct(step.carry, gates: 2..<3, to: gates, rows: rows)
        activate(activation, gate: 2, of: gates, rows: rows)
        for row in 0..<rows {
            let update = gates + row * width, candidate = update + 2 * units
            let previous = step.previous + row * units, state = step.state + row * units
            for unit in 0..<units { state[unit] = update[unit] * previous[unit] + (1 - update[unit]) * candidate[unit] }
        }
    }

    override func cellBackward(_ step: RecurrentStepGradient) {
        let rows = step.batch, gradient = step.gateGradient
        // Through the mix: the update gate, the candidate, and the previous state directly.
        for row in 0..<rows {
            let update = step.gates + row * width, candidate = update + 2 * units, target = gradient + row * width
            let previous = step.previous + row * units, source = step.stateGradient + row * units
            let direct = step.previousStateGradient + row * units
            for unit in 0..<units {
                target[unit] = source[unit] * (previous[unit] - candidate[unit])
                target[2 * units + unit] = source[unit] * (1 - update[unit])
                direct[unit] = source[unit] * update[unit]
            }
        }
        activationBackward(activation, gate: 2, gradient: gradient, values: step.gates, rows: rows)
        if resetAfter {
            for row in 0..<rows {
                let reset = step.gates + row * width + units, kept = step.carry + row * units
                let target = gradient + row * width, recurrent = step.recurrentGradient + row * width
                for unit in 0..<units {
                    target[units + unit] = target[2 * units + unit] * kept[unit]
                    recurrent[2 * units + unit] = target[2 * units + unit] * reset[unit]
                }
            }
        } else {
            // d(loss)/d(r * h) from the candidate's recurrent product.
            let resetGradient = step.temporary, seen = step.previous(seenBy: 2), mask = step.dropout.mask(2)
            backProduct(gradient, gates: 2..<3, into: resetGradient, rows: rows)
            for row in 0..<rows {
                let reset = step.gates + row * width + units, previous = seen + row * units
                let target = gradient + row * width, source = resetGradient + row * units
                let direct = step.previousStateGradient + row * units
                for unit in 0..<units {
                    target[units + unit] = source[unit] * previous[unit]
                    direct[unit] += source[unit] * reset[unit] * (mask?[row * units + unit] ?? 1)
                }
            }
        }
        for gate in 0..<2 { activationBackward(recurrentActivation, gate: gate, gradient: gradient, values: step.gates, rows: rows) }
        if resetAfter {
            for row in 0..<rows {
                (step.recurrentGradient + row * width).update(from: gradient + row * width, count: 2 * units)
            }
            recurrentBackProduct(step, step.recurrentGradient, gates: 0..<3, into: step.previousStateGradient, accumulate: true)
        } else {
            recurrentBackProduct(step, gradient, gates: 0..<2, into: step.previousStateGradient, accumulate: true)
        }
    }

    /// Without `reset_after`, the candidate's block of the kernel multiplies the reset previous states.
    override func cellRecurrentInputs(gate: Int, carry: UnsafePointer<Float>) -> UnsafePointer<Float>? {
        gate == 2 && !resetAfter ? carry : nil
    }
}
