/// A layer whose training pass needs figures over the whole batch (BatchNormalization's batch mean and
/// variance), while each worker holds only its part of the batch.
///
/// In training the model runs such a layer in two steps each way. Forward: every worker writes sums over its
/// part into a buffer of ``statisticsCount`` doubles (``measureForward(_:batch:into:)``); the model adds the
/// parts' sums and hands the total to ``useForwardStatistics(_:batch:)`` once, on one thread; then every
/// worker runs ``Layer/forward(_:_:batch:mode:scratch:)``, which normalises with the batch's figures. Backward
/// goes the same way with ``measureBackward(_:outputGradient:batch:into:)`` and
/// ``useBackwardStatistics(_:batch:)`` before ``Layer/backward(_:output:outputGradient:inputGradients:batch:scratch:gradients:)``.
/// The figures of the current batch are thus held by the layer itself, written only between the workers' steps.
/// Inference passes need none of this.
public protocol BatchStatisticsLayer: UnaryLayer {
    /// Doubles of sums one part produces, forward or backward.
    var statisticsCount: Int { get }

    /// Writes the forward sums of `batch` samples of `input`, this worker's part, into `sums`.
    func measureForward(_ input: UnsafePointer<Float>, batch: Int, into sums: UnsafeMutablePointer<Double>)

    /// Takes the forward sums over the whole batch of `batch` samples: the training forward passes that follow
    /// use them, and moving statistics are updated from them.
    func useForwardStatistics(_ sums: UnsafePointer<Double>, batch: Int)

    /// Writes the backward sums of this worker's part, from the input and d(loss)/d(output), into `sums`, and
    /// the part's parameter gradients into `gradients` (the model adds the parts); the layer's
    /// ``Layer/backward(_:output:outputGradient:inputGradients:batch:scratch:gradients:)`` then writes only
    /// d(loss)/d(input).
    func measureBackward(_ input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, batch: Int,
                         into sums: UnsafeMutablePointer<Double>, gradients: [UnsafeMutablePointer<Float>])

    /// Takes the backward sums over the whole batch, for the backward passes that follow.
    func useBackwardStatistics(_ sums: UnsafePointer<Double>, batch: Int)
}
