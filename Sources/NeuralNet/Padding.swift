/// Keras's `padding` argument for convolutions and pooling.
public enum Padding: String, Sendable {
    /// No padding: windows lie wholly inside the input.
    case valid
    /// Zero padding so that `output = ceil(input / stride)`; the extra row or column goes at the bottom/right.
    case same
    /// Zero padding before the first step only (1-D convolutions), so that no output sees a later step.
    case causal

    /// Output length and leading padding along one axis, as TensorFlow computes them, for an input of 0 or
    /// more and a positive window, stride and dilation whose dilated window `(window - 1) · dilation + 1` fits
    /// an `Int` (nothing else here overflows).
    public func geometry(input: Int, window: Int, stride: Int, dilation: Int = 1) -> (output: Int, before: Int) {
        let span = (window - 1) * dilation + 1
        switch self {
        case .valid:
            return (input >= span ? (input - span) / stride + 1 : 0, 0)
        case .same:
            let output = input / stride + (input % stride == 0 ? 0 : 1)
            // The last window starts at (output - 1) · stride, which is less than the input.
            let uncovered = input - (output - 1) * stride
            return (output, max(span - uncovered, 0) / 2)
        case .causal:
            // The input padded by span - 1 in front, then valid.
            return (input > 0 ? (input - 1) / stride + 1 : 0, span - 1)
        }
    }
}
