/// A layer that passes each sample's values through untouched, perhaps in a new shape (Flatten, Reshape;
/// ActivityRegularization, which adds only to the loss): NHWC rows are already in Keras's order, so the
/// passes copy.
public protocol ShapeOnlyLayer: UnaryLayer {}

extension ShapeOnlyLayer {
    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        output.update(from: input, count: batch * inputSize)
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        inputGradient?.update(from: outputGradient, count: batch * inputSize)
    }
}
