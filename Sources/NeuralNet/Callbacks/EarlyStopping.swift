/// Stops training when a watched figure has stopped improving, as Keras's `EarlyStopping`: after each epoch
/// (from `startFromEpoch` on) the figure either improves on the best so far by more than `minDelta` (and, with
/// a `baseline`, on the baseline too), or counts one more epoch of waiting; after `patience` such epochs, past
/// the first, the run stops. With `restoreBestWeights` the model ends with the weights of its best epoch (of its
/// first watched epoch, when none improved), whether or not it stopped early.
public final class EarlyStopping: Callback {
    /// The figure watched.
    public let monitor: Monitor
    /// Epochs without improvement to wait before stopping.
    public let patience: Int
    /// A value the figure must improve on for waiting to reset, if any.
    public let baseline: Double?
    /// Whether the model ends with its best epoch's weights.
    public let restoreBestWeights: Bool
    /// The first epoch (from 1) whose figure counts.
    public let startFromEpoch: Int
    /// The epoch (from 1) after which the run stopped, if it did.
    public private(set) var stoppedEpoch: Int?
    /// The epoch (from 1) with the best figure so far.
    public private(set) var bestEpoch: Int?
    /// The best figure so far.
    public private(set) var best: Double?

    private var wait = 0
    private var bestWeights: [Tensor]?
    private var largerIsBetter = false

    /// Keras's defaults: watches `val_loss`, stops at the first epoch without improvement. `startFromEpoch`
    /// counts epochs from 0 to skip, as Keras's `start_from_epoch` does.
    public init(monitor: String = "val_loss", minDelta: Double = 0, patience: Int = 0, mode: Monitor.Mode = .auto,
                baseline: Double? = nil, restoreBestWeights: Bool = false, startFromEpoch: Int = 0) {
        self.monitor = Monitor(monitor, mode: mode, minDelta: minDelta)
        self.patience = patience
        self.baseline = baseline
        self.restoreBestWeights = restoreBestWeights
        self.startFromEpoch = startFromEpoch
    }

    public func trainingBegan(_ run: TrainingRun) throws {
        largerIsBetter = try run.largerIsBetter(monitor, for: "EarlyStopping")
        wait = 0
        stoppedEpoch = nil
        best = nil
        bestEpoch = nil
        bestWeights = nil
    }

    public func epochEnded(_ record: EpochRecord, _ run: TrainingRun) throws {
        guard let current = record.logs[monitor.name], record.epoch > startFromEpoch else { return }
        if restoreBestWeights && bestWeights == nil {
            bestWeights = run.model.getWeights()
            bestEpoch = record.epoch
        }
        wait += 1
        if monitor.isImprovement(current, over: best, largerIsBetter: largerIsBetter) {
            best = current
            bestEpoch = record.epoch
            if restoreBestWeights { bestWeights = run.model.getWeights() }
            if baseline == nil || monitor.isImprovement(current, over: baseline, largerIsBetter: largerIsBetter) { wait = 0 }
            return
        }
        if wait >= patience && record.epoch > 1 {
            stoppedEpoch = record.epoch
            run.stopTraining = true
        }
    }

    public func trainingEnded(_ run: TrainingRun) throws {
        if restoreBestWeights, let bestWeights { try run.model.setWeights(bestWeights) }
    }
}
