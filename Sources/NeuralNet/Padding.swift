/// Keras's `padding` argument for convolutions and pooling.
public enum Padding: String, Sendable {
    /// No padding: windows lie wholly inside the input.
    case valid
    /// Zero padding so that `output = ceil(input / stride)`; the extra row or column goes at the bottom/right.
    case same

    /// Output length and leading padding along one axis, as TensorFlow computes them, for an input of 0 or
    /// more and a positive window and stride (any such `Int`s: nothing here overflows).
    public func geometry(input: Int, window: Int, stride: Int) -> (output: Int, before: Int) {
        switch self {
        case .valid:
            return (input >= window ? (input - window) / stride + 1 : 0, 0)
        case .same:
            let output = input / stride + (input % stride == 0 ? 0 : 1)
            // The last window starts at (output - 1) · stride, which is less than the input.
            let uncovered = input - (output - 1) * stride
            return (output, max(window - uncovered, 0) / 2)
        }
    }
}
