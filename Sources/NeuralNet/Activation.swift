import CKernels

/// The activations a Keras layer can apply to its output.
public enum Activation: String, Sendable, CaseIterable {
    case linear, relu, tanh, sigmoid, softmax

    private var kernelKind: Int32 {
        switch self {
        case .linear: return Int32(CK_LINEAR)
        case .relu: return Int32(CK_RELU)
        case .tanh: return Int32(CK_TANH)
        case .sigmoid: return Int32(CK_SIGMOID)
        case .softmax: return Int32(CK_SOFTMAX)
        }
    }

    /// Applies the activation in place to `rows` rows of `width` values; softmax works per row.
    public func apply(_ values: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        ck_activation(kernelKind, values, rows, width)
    }

    /// Turns d(loss)/d(output) into d(loss)/d(pre-activation), in place, using the activation's output.
    public func backward(gradient: UnsafeMutablePointer<Float>, output: UnsafePointer<Float>, rows: Int, width: Int) {
        ck_activation_backward(kernelKind, gradient, output, rows, width)
    }
}
