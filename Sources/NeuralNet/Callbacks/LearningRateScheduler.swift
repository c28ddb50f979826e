/// Sets the learning rate before each epoch from a schedule, as Keras's `LearningRateScheduler`: the schedule
/// takes the epoch's index from 0 (as Keras's does) and the current rate, and gives the epoch's rate.
public final class LearningRateScheduler: Callback {
    private let schedule: (_ epoch: Int, _ learningRate: Float) throws -> Float

    /// A scheduler of `schedule(epochIndex, currentRate)`.
    public init(_ schedule: @escaping (_ epoch: Int, _ learningRate: Float) throws -> Float) {
        self.schedule = schedule
    }

    public func epochBegan(_ epoch: Int, _ run: TrainingRun) throws {
        let rate = try schedule(epoch - 1, run.optimizer.learningRate)
        guard rate.isFinite, rate >= 0 else {
            throw CallbackError("the learning-rate schedule gave \(rate) for epoch \(epoch); a rate must be finite and 0 or more")
        }
        run.optimizer.learningRate = rate
    }
}
