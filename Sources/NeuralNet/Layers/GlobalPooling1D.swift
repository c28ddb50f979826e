/// Keras `GlobalAveragePooling1D` and `GlobalMaxPooling1D`: each channel's mean or maximum over the steps,
/// shaped `(channels)` or, with `keepdims`, `(1, channels)`; ``GlobalPooling2D`` over a one-row image.
///
/// The average reads a mask on its input, as Keras's does: the mean is then over the unmasked steps (NaN for
/// a sample with none), and the output carries no mask. The maximum ends a mask unseen.
public final class GlobalPooling1D: OneRowLayer {
    /// Average or maximum.
    public let kind: GlobalPooling2D.Kind
    /// Keras's `keepdims`: keep the steps axis, of size 1.
    public let keepDimensions: Bool

    /// A global pooling layer of `kind`.
    public init(_ kind: GlobalPooling2D.Kind, keepDimensions: Bool = false, name: String? = nil) {
        self.kind = kind
        self.keepDimensions = keepDimensions
        let name = name ?? (kind == .max ? "global_max_pooling1d" : "global_average_pooling1d")
        super.init(className: kind == .max ? "GlobalMaxPooling1D" : "GlobalAveragePooling1D",
                   image: GlobalPooling2D(kind, keepDimensions: keepDimensions, name: name))
    }

    override public var maskHandling: MaskHandling { kind == .average ? .reads(passesOn: false) : .ends }

    private var steps: Int { inputShape[0] }
    private var channels: Int { inputShape[1] }

    override public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                                 scratch: LayerScratch) {
        guard let mask = scratch.inputMask else { return super.forward(input, output, batch: batch, mode: mode, scratch: scratch) }
        let steps = steps, channels = channels
        for sample in 0..<batch {
            let result = output + sample * channels
            result.update(repeating: 0, count: channels)
            var kept: Float = 0
            for step in 0..<steps where mask[sample * steps + step] != 0 {
                let row = input + (sample * steps + step) * channels
                for c in 0..<channels { result[c] += row[c] }
                kept += 1
            }
            for c in 0..<channels { result[c] /= kept }
        }
    }

    override public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                                  inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                                  gradients: [UnsafeMutablePointer<Float>]) {
        guard let mask = scratch.inputMask else {
            return super.backward(input: input, output: output, outputGradient: outputGradient, inputGradient: inputGradient,
                                  batch: batch, scratch: scratch, gradients: gradients)
        }
        guard let inputGradient else { return }
        let steps = steps, channels = channels
        for sample in 0..<batch {
            let kept = (0..<steps).reduce(Float(0)) { $0 + (mask[sample * steps + $1] != 0 ? 1 : 0) }
            let incoming = outputGradient + sample * channels
            for step in 0..<steps {
                let gradient = inputGradient + (sample * steps + step) * channels
                if mask[sample * steps + step] == 0 { gradient.update(repeating: 0, count: channels) } else {
                    for c in 0..<channels { gradient[c] = incoming[c] / kept }
                }
            }
        }
    }
}
