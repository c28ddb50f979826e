import Foundation

/// A learning rate that follows the optimizer's step count, as Keras's `keras.optimizers.schedules` give it:
/// the optimizer takes step `n` (from 0) at the rate the schedule gives for `n`. Computed in float32, as
/// Keras computes it.
public enum LearningRateSchedule: Sendable, Equatable {
    /// `initial × rate^(step / steps)`, the exponent floored when `staircase` (Keras's `ExponentialDecay`).
    case exponentialDecay(initial: Double, decaySteps: Double, decayRate: Double, staircase: Bool)
    /// `values[0]` up to and including step `boundaries[0]`, then `values[1]` up to `boundaries[1]`, ...,
    /// `values.last` after the last boundary (Keras's `PiecewiseConstantDecay`; one more value than boundaries).
    case piecewiseConstant(boundaries: [Double], values: [Double])
    /// A cosine from `initial` (or, after `warmupSteps` steps rising linearly to `warmupTarget`, from there) down to
    /// `alpha` of it over `decaySteps` steps, then flat (Keras's `CosineDecay`).
    case cosineDecay(initial: Double, decaySteps: Double, alpha: Double, warmupTarget: Double?, warmupSteps: Double)
    /// `initial / (1 + rate × step / steps)`, the fraction floored when `staircase` (Keras's `InverseTimeDecay`).
    case inverseTimeDecay(initial: Double, decaySteps: Double, decayRate: Double, staircase: Bool)

    /// Keras's class name of the schedule.
    public var className: String {
        switch self {
        case .exponentialDecay: "ExponentialDecay"
        case .piecewiseConstant: "PiecewiseConstantDecay"
        case .cosineDecay: "CosineDecay"
        case .inverseTimeDecay: "InverseTimeDecay"
        }
    }

    /// The rate of step `step` (from 0).
    public func rate(atStep step: Int64) -> Float {
        let t = Float(step)
        switch self {
        case .exponentialDecay(let initial, let steps, let rate, let staircase):
            let p = t / Float(steps)
            return Float(initial) * powf(Float(rate), staircase ? p.rounded(.down) : p)
        case .piecewiseConstant(let boundaries, let values):
            // The value after the boundaries the step has passed (boundaries rise, as Keras requires).
            return Float(values[min(values.count - 1, boundaries.filter { t > Float($0) }.count)])
        case .cosineDecay(let initial, let steps, let alpha, let warmupTarget, let warmupSteps):
            func decay(_ step: Float, from start: Float) -> Float {
                let cosine = 0.5 * (1 + cosf(Float.pi * (step / Float(steps))))
                return start * ((1 - Float(alpha)) * cosine + Float(alpha))
            }
            guard let warmupTarget else { return decay(min(t, Float(steps)), from: Float(initial)) }
            let clamped = min(t, Float(steps) + Float(warmupSteps))
            guard clamped < Float(warmupSteps) else { return decay(clamped - Float(warmupSteps), from: Float(warmupTarget)) }
            return (Float(warmupTarget) - Float(initial)) * (clamped / Float(warmupSteps)) + Float(initial)
        case .inverseTimeDecay(let initial, let steps, let rate, let staircase):
            let p = t / Float(steps)
            return Float(initial) / (1 + Float(rate) * (staircase ? p.rounded(.down) : p))
        }
    }
}
