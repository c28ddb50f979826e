/// Keras's `padding` argument for convolutions and pooling.
public enum Padding: String, Sendable {
    /// No padding: windows lie wholly inside the input.
    case valid
    /// Zero padding so that `output = ceil(input / stride)`; the extra row or column goes at the bottom/right.
    case same

    /// Output length and leading padding along one axis, as TensorFlow computes them.
    public func geometry(input: Int, window: Int, stride: Int) -> (output: Int, before: Int) {
        switch self {
        case .valid:
            return (input >= window ? (input - window) / stride + 1 : 0, 0)
        case .same:
            let output = (input + stride - 1) / stride
            let total = max((output - 1) * stride + window - input, 0)
            return (output, total / 2)
        }
    }
}
