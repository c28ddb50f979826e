/// The optimizer ``KerasModel/compile(optimizer:loss:)`` sets up, with Keras's defaults.
public enum OptimizerChoice: Sendable, Equatable {
    /// Keras's `SGD`: plain, with momentum, or Nesterov momentum.
    case sgd(learningRate: Float = 0.01, momentum: Float = 0, nesterov: Bool = false)
    /// Keras's `Adam`.
    case adam(learningRate: Float = 0.001, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7)

    /// A fresh optimizer over the model's parameters.
    func make(for model: Model) -> Optimizer {
        switch self {
        case .sgd(let learningRate, let momentum, let nesterov):
            return SGD(parameters: model.parameters, learningRate: learningRate, momentum: momentum, nesterov: nesterov)
        case .adam(let learningRate, let beta1, let beta2, let epsilon):
            return Adam(parameters: model.parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon)
        }
    }
}
