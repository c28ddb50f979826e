/// Lowers the learning rate when a watched figure has stopped improving, as Keras's `ReduceLROnPlateau`: after
/// `patience` epochs without an improvement by more than `minDelta`, the rate is multiplied by `factor` (not
/// below `minLearningRate`), then `cooldown` epochs pass before waiting starts again.
public final class ReduceLROnPlateau: Callback {
    /// The figure watched.
    public let monitor: Monitor
    /// What the rate is multiplied by, below 1.
    public let factor: Double
    /// Epochs without improvement before a reduction.
    public let patience: Int
    /// Epochs after a reduction before waiting starts again.
    public let cooldown: Int
    /// The lowest rate it reduces to.
    public let minLearningRate: Double
    /// The epochs (from 1) after which the rate was reduced, and to what.
    public private(set) var reductions: [(epoch: Int, learningRate: Float)] = []

    private var best: Double?
    private var wait = 0
    private var cooldownLeft = 0
    private var largerIsBetter = false

    /// Keras's defaults: watches `val_loss`, reduces tenfold after 10 epochs without an improvement of 1e-4.
    /// Refuses a factor of 1 or more, as Keras does.
    public init(monitor: String = "val_loss", factor: Double = 0.1, patience: Int = 10, mode: Monitor.Mode = .auto,
                minDelta: Double = 1e-4, cooldown: Int = 0, minLearningRate: Double = 0) throws {
        guard factor < 1 else { throw CallbackError("ReduceLROnPlateau's factor must be below 1, not \(factor)") }
        self.monitor = Monitor(monitor, mode: mode, minDelta: minDelta)
        self.factor = factor
        self.patience = patience
        self.cooldown = cooldown
        self.minLearningRate = minLearningRate
    }

    public func trainingBegan(_ run: TrainingRun) throws {
        largerIsBetter = try run.largerIsBetter(monitor, for: "ReduceLROnPlateau")
        best = nil
        wait = 0
        cooldownLeft = 0
        reductions = []
    }

    public func epochEnded(_ record: EpochRecord, _ run: TrainingRun) throws {
        guard let current = record.logs[monitor.name] else { return }
        if cooldownLeft > 0 {
            cooldownLeft -= 1
            wait = 0
        }
        if monitor.isImprovement(current, over: best, largerIsBetter: largerIsBetter) {
            best = current
            wait = 0
            return
        }
        guard cooldownLeft == 0 else { return }
        wait += 1
        guard wait >= patience else { return }
        // Keras compares the rate, a float32 variable, with the floor as float32.
        let rate = Double(run.optimizer.learningRate)
        guard rate > Double(Float(minLearningRate)) else { return }
        run.optimizer.learningRate = Float(max(rate * factor, minLearningRate))
        reductions.append((record.epoch, run.optimizer.learningRate))
        cooldownLeft = cooldown
        wait = 0
    }
}
