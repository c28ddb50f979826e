/// Keras `SimpleRNN`: the state `h = activation(x · kernel + h · recurrent_kernel + bias)`; see
/// ``RecurrentLayer`` for what all recurrent layers share.
public final class SimpleRNN: RecurrentLayer {
    public override var className: String { "SimpleRNN" }

    /// A layer with Keras's options; its weights are created when the model is built.
    public override init(units: Int, activation: Activation = .tanh, useBias: Bool = true, returnSequences: Bool = false,
                goBackwards: Bool = false, name: String = "simple_rnn") {
        super.init(units: units, activation: activation, useBias: useBias, returnSequences: returnSequences,
                   goBackwards: goBackwards, name: name)
    }

    override var gateCount: Int { 1 }

    override func cellForward(_ step: RecurrentStep) {
        addRecurrentProduct(step, gates: 0..<1, to: step.gates)
        activation.apply(step.gates, rows: step.batch, width: units)
        step.state.update(from: step.gates, count: step.batch * units)
    }

    override func cellBackward(_ step: RecurrentStepGradient) {
        activation.backward(gradient: step.stateGradient, into: step.gateGradient, output: step.gates, input: nil,
                            rows: step.batch, width: units)
        recurrentBackProduct(step, step.gateGradient, gates: 0..<1, into: step.previousStateGradient)
    }
}
