import NeuralNet

/// The optimizers the notebooks used.
public enum OptimizerKind: String, Sendable, CaseIterable {
    case sgd, adam

    /// Keras's default learning rate for this optimizer.
    public var defaultLearningRate: Float { self == .sgd ? 0.01 : 0.001 }

    /// A fresh optimizer over `parameters` with Keras's other defaults.
    public func make(parameters: [Parameter], learningRate: Float) -> Optimizer {
        switch self {
        case .sgd: return SGD(parameters: parameters, learningRate: learningRate)
        case .adam: return Adam(parameters: parameters, learningRate: learningRate)
        }
    }
}

/// How a notebook trained its model (SPEC.md).
public struct TrainingRecipe: Sendable {
    public var optimizer: OptimizerKind
    public var learningRate: Float
    public var batchSize: Int
    public var epochs: Int
    /// Stop once an epoch's training accuracy exceeds this.
    public var stopAtAccuracy: Double?

    public init(optimizer: OptimizerKind, learningRate: Float, batchSize: Int, epochs: Int, stopAtAccuracy: Double?) {
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.epochs = epochs
        self.stopAtAccuracy = stopAtAccuracy
    }

    /// For a model that matches no notebook: Adam at Keras's defaults, batch 32, 10 epochs.
    public static let generic = TrainingRecipe(optimizer: .adam, learningRate: 0.001, batchSize: 32, epochs: 10, stopAtAccuracy: nil)
}

extension Architecture {
    /// The notebook's recipe: LeNet-5 SGD 0.01, batch 128, up to 100 epochs until training accuracy > 0.99;
    /// the others Adam with Keras's defaults, batch 32 (MLP 20 epochs, ConvNet and VGG 10).
    public var recipe: TrainingRecipe {
        switch self {
        case .lenet5: return TrainingRecipe(optimizer: .sgd, learningRate: 0.01, batchSize: 128, epochs: 100, stopAtAccuracy: 0.99)
        case .mlp: return TrainingRecipe(optimizer: .adam, learningRate: 0.001, batchSize: 32, epochs: 20, stopAtAccuracy: nil)
        case .convnet: return TrainingRecipe(optimizer: .adam, learningRate: 0.001, batchSize: 32, epochs: 10, stopAtAccuracy: nil)
        case .vgg: return TrainingRecipe(optimizer: .adam, learningRate: 0.001, batchSize: 32, epochs: 10, stopAtAccuracy: nil)
        }
    }
}
