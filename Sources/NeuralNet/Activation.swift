import CKernels

/// The activations a Keras layer can apply to its output, by their Keras 3 names, with Keras 3's formulas
/// (`leaky_relu` has slope 0.2, `elu` alpha 1, `gelu` is the exact erf form, `hard_sigmoid` is
/// `relu6(x + 3) / 6`), and Keras 2's `hard_sigmoid`, `clip(0.2 x + 0.5, 0, 1)`, which Keras 3 does not have
/// (the recurrent activation of LSTMs and GRUs saved by Keras 2.2 and earlier).
public enum Activation: String, Sendable, CaseIterable {
    case linear, relu, tanh, sigmoid, softmax
    case relu6
    case leakyReLU = "leaky_relu"
    case elu, selu, gelu, silu, mish, softplus, softsign
    case hardSigmoid = "hard_sigmoid"
    case hardSiLU = "hard_silu"
    case exponential
    case logSoftmax = "log_softmax"
    /// Keras 2's `hard_sigmoid`; its name is Keras 2's only in Keras 2 files.
    case hardSigmoidKeras2 = "hard_sigmoid (Keras 2)"

    /// The activation's number in the C kernels (CK_RELU, ...).
    var kernelKind: Int32 {
        switch self {
        case .linear: return Int32(CK_LINEAR)
        case .relu: return Int32(CK_RELU)
        case .tanh: return Int32(CK_TANH)
        case .sigmoid: return Int32(CK_SIGMOID)
        case .softmax: return Int32(CK_SOFTMAX)
        case .relu6: return Int32(CK_RELU6)
        case .leakyReLU: return Int32(CK_LEAKY_RELU)
        case .elu: return Int32(CK_ELU)
        case .selu: return Int32(CK_SELU)
        case .gelu: return Int32(CK_GELU)
        case .silu: return Int32(CK_SILU)
        case .mish: return Int32(CK_MISH)
        case .softplus: return Int32(CK_SOFTPLUS)
        case .softsign: return Int32(CK_SOFTSIGN)
        case .hardSigmoid: return Int32(CK_HARD_SIGMOID)
        case .hardSiLU: return Int32(CK_HARD_SILU)
        case .exponential: return Int32(CK_EXPONENTIAL)
        case .logSoftmax: return Int32(CK_LOG_SOFTMAX)
        case .hardSigmoidKeras2: return Int32(CK_HARD_SIGMOID_KERAS2)
        }
    }

    /// Whether the derivative needs the activation's input (the pre-activation): it does not follow from the
    /// output for these, which are not monotonic or not invertible in float32.
    public var derivativeNeedsInput: Bool { [.gelu, .silu, .mish, .hardSiLU].contains(self) }

    /// The values the activation can give when they are bounded on both sides (sigmoid's 0...1, tanh's -1...1,
    /// relu6's 0...6), else nil.
    public var bounds: ClosedRange<Float>? {
        switch self {
        case .sigmoid, .hardSigmoid, .hardSigmoidKeras2, .softmax: return 0...1
        case .tanh, .softsign: return -1...1
        case .relu6: return 0...6
        default: return nil
        }
    }

    /// Whether the activation works on whole rows (softmax, log_softmax) rather than value by value.
    public var worksOnRows: Bool { self == .softmax || self == .logSoftmax }

    /// Applies the activation in place to `rows` rows of `width` values; softmax and log_softmax work per row.
    public func apply(_ values: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        ck_activation(kernelKind, values, values, rows, width)
    }

    /// Writes the activation of `input` to `output` (which may be `input`), as ``apply(_:rows:width:)``.
    public func apply(_ input: UnsafePointer<Float>, to output: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        ck_activation(kernelKind, input, output, rows, width)
    }

    /// Turns d(loss)/d(output) into d(loss)/d(pre-activation), in place, from the activation's output and,
    /// when ``derivativeNeedsInput``, its input.
    public func backward(gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, input: UnsafePointer<Float>?,
                         rows: Int, width: Int) {
        backward(gradient: gradient, into: gradient, output: output, input: input, rows: rows, width: width)
    }

    /// Writes d(loss)/d(pre-activation) to `inputGradient` (which may be `gradient`), as
    /// ``backward(gradient:output:input:rows:width:)``.
    public func backward(gradient: UnsafePointer<Float>, into inputGradient: UnsafeMutablePointer<Float>,
                         output: UnsafePointer<Float>, input: UnsafePointer<Float>?, rows: Int, width: Int) {
        precondition(input != nil || !derivativeNeedsInput, "the \(rawValue) derivative needs the pre-activation")
        ck_activation_backward(kernelKind, gradient, inputGradient, output, input, rows, width)
    }
}
