import KerasFormat
import NeuralNet

/// The optimizers a training run can start afresh, by Keras's lower-case names.
public enum OptimizerKind: String, Sendable, CaseIterable {
    case sgd, adam, adamw, nadam, rmsprop

    /// Keras's default learning rate for this optimizer.
    public var defaultLearningRate: Float { self == .sgd ? 0.01 : 0.001 }

    /// A fresh optimizer over `parameters` with Keras's other defaults.
    public func make(parameters: [Parameter], learningRate: Float) -> Optimizer {
        switch self {
        case .sgd: return SGD(parameters: parameters, learningRate: learningRate)
        case .adam: return Adam(parameters: parameters, learningRate: learningRate)
        case .adamw: return Adam.adamW(parameters: parameters, learningRate: learningRate)
        case .nadam: return Nadam(parameters: parameters, learningRate: learningRate)
        case .rmsprop: return RMSprop(parameters: parameters, learningRate: learningRate)
        }
    }
}

/// How a notebook trained its model (SPEC.md).
public struct TrainingRecipe: Sendable {
    /// The notebook's optimizer.
    public var optimizer: OptimizerKind
    /// Its learning rate.
    public var learningRate: Float
    /// Samples per step.
    public var batchSize: Int
    /// The most epochs to run.
    public var epochs: Int
    /// Stop once an epoch's training accuracy exceeds this.
    public var stopAtAccuracy: Double?

    /// A recipe from its parts.
    public init(optimizer: OptimizerKind, learningRate: Float, batchSize: Int, epochs: Int, stopAtAccuracy: Double?) {
        self.optimizer = optimizer
        self.learningRate = learningRate
        self.batchSize = batchSize
        self.epochs = epochs
        self.stopAtAccuracy = stopAtAccuracy
    }

    /// For a model that matches no notebook: Adam at Keras's defaults, batch 32, 10 epochs.
    public static let generic = TrainingRecipe(optimizer: .adam, learningRate: 0.001, batchSize: 32, epochs: 10, stopAtAccuracy: nil)

    /// The optimizer to train `parameters` with: `restored` (a file's, with its state) when it is of the kind
    /// asked for, or no kind is asked for; else a fresh one of the kind asked for, the restored one's or the
    /// recipe's, at the recipe's learning rate when it is the recipe's kind and Keras's default otherwise
    /// (with a notice when a restored state is dropped). `learningRate` overrides the rate in every case.
    public func optimizer(resuming restored: Optimizer?, kind requested: OptimizerKind?, learningRate: Float?,
                          parameters: [Parameter], notices: inout [Notice]) -> Optimizer {
        let restoredKind = restored.flatMap { OptimizerKind(rawValue: $0.className.lowercased()) }
        let kind = requested ?? restoredKind ?? optimizer
        let chosen: Optimizer
        if let restored, restoredKind == kind {
            chosen = restored
        } else {
            chosen = kind.make(parameters: parameters,
                               learningRate: learningRate ?? (kind == optimizer ? self.learningRate : kind.defaultLearningRate))
            if restored != nil { notices.append(.optimizerReplaced(by: chosen.className)) }
        }
        if let learningRate {
            // A rate given for the run replaces the file's schedule too.
            chosen.learningRate = learningRate
            chosen.learningRateSchedule = nil
        }
        return chosen
    }
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
