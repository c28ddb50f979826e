/// A figure a callback watches, by its name in Keras's logs (`val_loss`, `accuracy`, `val_kind_accuracy`), and
/// which way is better, as Keras's `MonitorCallback` decides it.
public struct Monitor: Sendable {
    /// Which way the figure should go.
    public enum Mode: String, Sendable, CaseIterable {
        /// Down for a loss; for a metric, the way its Keras class says (see ``Metric/Kind/largerIsBetter``).
        case auto
        /// Smaller is better.
        case min
        /// Larger is better.
        case max
    }

    /// The figure's name in the epoch's logs.
    public let name: String
    /// Which way is better.
    public let mode: Mode
    /// The least change that counts as an improvement.
    public let minDelta: Double

    /// A monitor of `name`; `minDelta`'s sign does not matter.
    public init(_ name: String, mode: Mode = .auto, minDelta: Double = 0) {
        self.name = name
        self.mode = mode
        self.minDelta = abs(minDelta)
    }

    /// Whether larger values are better for `model`'s figure of this name. Throws, as Keras does, when the mode
    /// is `auto` and the figure is neither a loss nor a metric whose direction its Keras class declares.
    public func largerIsBetter(for model: Model) throws -> Bool {
        switch mode {
        case .min: return false
        case .max: return true
        case .auto:
            let base = name.hasPrefix("val_") ? String(name.dropFirst(4)) : name
            if base == "loss" || (model.outputs.count > 1 && model.outputNames.contains { base == $0 + "_loss" }) { return false }
            guard let metric = model.reportedMetrics.first(where: { $0.name == base })?.metric, let larger = metric.kind.largerIsBetter else {
                throw CallbackError("cannot tell whether \(name) should go up or down: give the mode (min or max)")
            }
            return larger
        }
    }

    /// Whether `value` improves on `reference` (any value improves on none) by more than ``minDelta``.
    public func isImprovement(_ value: Double, over reference: Double?, largerIsBetter: Bool) -> Bool {
        guard let reference else { return true }
        return largerIsBetter ? value - minDelta > reference : value + minDelta < reference
    }
}

/// A callback's setting or figure that does not work with the run, in one line.
public struct CallbackError: Error, CustomStringConvertible, Equatable {
    public let description: String

    /// An error that says `description`.
    public init(_ description: String) { self.description = description }
}
