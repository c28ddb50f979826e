/// A layer that adds a penalty on its own output to the loss, as Keras's activity regularizers do.
///
/// Keras adds the penalty summed over the batch's outputs and divided by the batch size, in training and in
/// evaluation alike. The model adds each worker's ``penalty(_:batch:)`` to the summed loss (which is then
/// divided by the batch size), and before the layer's backward pass adds the penalty's gradient, scaled by
/// 1 / batch size, to d(loss)/d(output).
public protocol OutputPenaltyLayer: Layer {
    /// The penalty of `batch` samples of this layer's `output`, summed.
    func penalty(_ output: UnsafePointer<Float>, batch: Int) -> Double

    /// Adds `scale` times d(penalty)/d(output) of `batch` samples to `outputGradient`.
    func addPenaltyGradient(_ output: UnsafePointer<Float>, to outputGradient: UnsafeMutablePointer<Float>, batch: Int, scale: Float)
}
