/// The optimizer ``KerasModel/compile(optimizer:loss:lossWeights:metrics:)`` sets up, with Keras's defaults.
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

    /// A fresh optimizer over the model's parameters.
    func make(for model: Model) -> Optimizer {
        let parameters = model.parameters
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
