import KerasFormat
import NeuralNet

/// How a notebook trained its model (SPEC.md).
public struct TrainingRecipe: Sendable {
    /// The notebook's optimizer, with its learning rate.
    public var optimizer: OptimizerChoice
    /// Samples per step.
    public var batchSize: Int
    /// The most epochs to run.
    public var epochs: Int
    /// Stop once an epoch's training accuracy exceeds this.
    public var stopAtAccuracy: Double?

    /// A recipe from its parts.
    public init(optimizer: OptimizerChoice, batchSize: Int, epochs: Int, stopAtAccuracy: Double?) {
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.epochs = epochs
        self.stopAtAccuracy = stopAtAccuracy
    }

    /// For a model that matches no notebook: Adam at Keras's defaults, batch 32, 10 epochs.
    public static let generic = TrainingRecipe(optimizer: .adam(), batchSize: 32, epochs: 10, stopAtAccuracy: nil)

    /// The optimizer to train `parameters` with: `restored` (a file's, with its state) when it is the one
    /// asked for, or none is asked for; else a fresh one, the one asked for, the restored one's kind or the
    /// recipe's, with the recipe's settings when it is the recipe's kind and Keras's defaults otherwise (with a
    /// notice when a restored state is dropped). `learningRate` overrides the rate in every case.
    public func optimizer(resuming restored: Optimizer?, requested: OptimizerChoice?, learningRate: Float?,
                          parameters: [Parameter], notices: inout [Notice]) -> Optimizer {
        let restoredChoice = restored.flatMap { OptimizerChoice(name: $0.className.lowercased()) }
        let choice = requested ?? restoredChoice ?? optimizer
        let chosen: Optimizer
        if let restored, restoredChoice?.name == choice.name {
            chosen = restored
        } else {
            chosen = (choice.name == optimizer.name ? optimizer : choice).make(parameters: parameters)
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
        case .lenet5: return TrainingRecipe(optimizer: .sgd(), batchSize: 128, epochs: 100, stopAtAccuracy: 0.99)
        case .mlp: return TrainingRecipe(optimizer: .adam(), batchSize: 32, epochs: 20, stopAtAccuracy: nil)
        case .convnet: return TrainingRecipe(optimizer: .adam(), batchSize: 32, epochs: 10, stopAtAccuracy: nil)
        case .vgg: return TrainingRecipe(optimizer: .adam(), batchSize: 32, epochs: 10, stopAtAccuracy: nil)
        }
    }
}
