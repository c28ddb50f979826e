/// A fresh optimizer as Keras's `compile(optimizer=...)` makes one: which optimizer, with its settings
/// (Keras's defaults unless given).
public enum OptimizerChoice: Sendable, Equatable {
    /// Keras's `SGD`: plain, with momentum, or Nesterov momentum.
    case sgd(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false)
    /// Keras's `Adam`, optionally with amsgrad.
    case adam(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7, amsgrad: Bool = false)
    /// Keras's `AdamW`: Adam with decoupled weight decay.
    case adamW(learningRate: Float = 0.001, weightDecay: Float = 0.004, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7)
    /// Keras's `Nadam`.
    case nadam(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7)
    /// Keras's `RMSprop`, optionally with momentum and centered.
    case rmsprop(learningRate: Float = 0.001, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7, centered: Bool = false)

    /// The names ``init(name:learningRate:)`` takes, as Keras's `compile(optimizer="adam")` does.
    public static let names = ["sgd", "adam", "adamw", "nadam", "rmsprop"]

    /// The optimizer Keras makes of a lower-case name, with Keras's defaults and `learningRate` when it is
    /// given; nil for a name not in ``names``.
    public init?(name: String, learningRate: Float? = nil) {
        switch name {
        case "sgd": self = .sgd(learningRate: learningRate ?? 0.01)
        case "adam": self = .adam(learningRate: learningRate ?? 0.001)
        case "adamw": self = .adamW(learningRate: learningRate ?? 0.001)
        case "nadam": self = .nadam(learningRate: learningRate ?? 0.001)
        case "rmsprop": self = .rmsprop(learningRate: learningRate ?? 0.001)
        default: return nil
        }
    }

    /// The optimizer's lower-case Keras name (its class name in lower case).
    public var name: String {
        switch self {
        case .sgd: "sgd"
        case .adam: "adam"
        case .adamW: "adamw"
        case .nadam: "nadam"
        case .rmsprop: "rmsprop"
        }
    }

    /// The learning rate it starts at.
    public var learningRate: Float {
        switch self {
        case .sgd(let rate, _, _), .adam(let rate, _, _, _, _), .adamW(let rate, _, _, _, _), .nadam(let rate, _, _, _),
             .rmsprop(let rate, _, _, _, _):
            rate
        }
    }

    /// A fresh optimizer over `parameters`.
    public func make(parameters: [Parameter]) -> Optimizer {
        switch self {
        case .sgd(let learningRate, let momentum, let nesterov):
            return SGD(parameters: parameters, learningRate: learningRate, momentum: momentum, nesterov: nesterov)
        case .adam(let learningRate, let beta1, let beta2, let epsilon, let amsgrad):
            return Adam(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
        case .adamW(let learningRate, let weightDecay, let beta1, let beta2, let epsilon):
            return Adam.adamW(parameters: parameters, learningRate: learningRate, weightDecay: weightDecay, beta1: beta1, beta2: beta2,
                              epsilon: epsilon)
        case .nadam(let learningRate, let beta1, let beta2, let epsilon):
            return Nadam(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
        case .rmsprop(let learningRate, let rho, let momentum, let epsilon, let centered):
            return RMSprop(parameters: parameters, learningRate: learningRate, rho: rho, momentum: momentum, epsilon: epsilon, centered: centered)
        }
    }
}
