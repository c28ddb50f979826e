import Architectures
import ArgumentParser
import CommandLineSupport
import FileProbe
import Foundation
import KerasFormat
import MNIST
import NeuralNet

extension OptimizerChoice: ExpressibleByArgument {
    /// `--optimizer NAME`: the optimizer Keras makes of the name, with its defaults.
    public init?(argument: String) { self.init(name: argument) }

    public static var allValueStrings: [String] { names }
}
extension ShuffleMode: ExpressibleByArgument {
    /// How the start line describes the order, after the epoch count.
    var describedOrder: String {
        switch self {
        case .everyEpoch: ""
        case .once: ", one shuffled order kept every epoch"
        case .off: ", images in file order"
        }
    }
}

/// `keras-swift train`: the notebooks' training in Swift, saved as a Keras file with history and plots.
struct Train: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Train a notebook architecture or any model config from scratch, or continue any model file, on MNIST or your own arrays; save it as a Keras file.",
        discussion: """
            By default each architecture trains with its notebook's recipe: LeNet-5 with SGD (learning rate 0.01, \
            batch 128) until an epoch's training accuracy exceeds 0.99 (at most 100 epochs); the MLP (20 epochs), \
            the ConvNet and VGG (10 epochs each) with Adam at Keras's defaults and batch 32. After every epoch the \
            model is evaluated on the validation data: the 10,000 test images, or with --validation-split F the \
            last fraction F of the training images, which are then not trained on.

            Next to --out it writes STEM.history.csv and STEM.history.json (Keras's History, every metric the \
            model compiles) and SVG plots: STEM.loss.svg, STEM.accuracy.svg (when the model reports accuracy; a \
            config compiled without metrics does) and STEM.confusion.svg (the test set).

            --resume FILE continues from a saved model, with its optimizer state when the file has it (also \
            Keras-written files such as MNIST-numbers-cnn.h5, whose Adam state is restored).

            --model CONFIG.json trains your own architecture from scratch: a Keras model config, as \
            model.to_json() writes it or as a .keras archive's config.json holds it. Weights are drawn by each \
            layer's initializers (glorot/he/lecun uniform or normal, zeros, ones, constant, random, orthogonal) \
            from --seed; the loss and optimizer are the config's compile_config when it has one, else sparse \
            categorical cross-entropy and Adam (learning rate 0.001, batch 32, 10 epochs). --model with a model \
            file (.h5, .keras) is --resume.

            --x FILE.npy --y FILE.npy trains on your own arrays instead of MNIST, any model on any data: the \
            input samples, and per output its targets (see evaluate --help); --validation-split F holds out their \
            last fraction, and --limit N keeps the first N samples. There is no test set then, nor a confusion matrix.

            Examples:
              keras-swift train --arch lenet5 --data ../shared/data/mnist --out lenet5.h5
              keras-swift train --arch convnet --epochs 1 --out convnet.keras
              keras-swift train --resume MNIST-numbers-cnn.h5 --epochs 2 --out convnet-more.h5
              keras-swift train --model my_cnn.json --epochs 5 --out my_cnn.keras
            """)

    @Option(help: "The architecture to train (needed unless --resume or --model gives a model).")
    var arch: Architecture?

    @Option(help: "Continue training this model file (any Keras form).")
    var resume: String?

    @Option(help: "A Keras model config (.json) to train from scratch, or a model file to continue (as --resume).")
    var model: String?

    @OptionGroup var dataOptions: DataOptions
    @OptionGroup var arrays: ArrayOptions
    @OptionGroup var callbackOptions: CallbackOptions

    @Option(help: "Where to save the trained model: .h5, .weights.h5 or .keras.")
    var out: String

    @OptionGroup var outputOptions: OutputOptions

    @Option(help: "Epochs to train (default: the recipe's); 0 saves the model untrained, e.g. for Keras to start from the same weights.")
    var epochs: Int?

    @Option(help: "Images per step (default: the recipe's).")
    var batchSize: Int?

    @Option(help: "sgd, adam, adamw, nadam or rmsprop with Keras's defaults (default: the recipe's, or the resumed file's, with its state).")
    var optimizer: OptimizerChoice?

    @Option(help: "Learning rate (default: the recipe's, or the resumed file's).")
    var learningRate: Float?

    @Option(help: "Seed for initial weights, shuffling and dropout; the same seed repeats a run exactly.")
    var seed: UInt64 = 1

    @Option(help: "Hold out this last fraction of the training images for validation instead of using the test set.")
    var validationSplit: Double?

    @Option(help: "Stop after an epoch whose training accuracy exceeds this (LeNet-5's recipe: 0.99). 1 never stops early.")
    var stopAtAccuracy: Double?

    @Option(help: "Train on only the first N training images (quick checks).")
    var limit: Int?

    @Option(help: "Input scaling: auto (the notebook's choice for a preset, else /255), raw (0..255) or unit (/255).")
    var pixels: Preprocessing.PixelScale = .auto

    @Option(help: ArgumentHelp(
        "When to shuffle the training images: epoch, once or off.",
        discussion: "epoch draws a new order every epoch, as Keras's fit(shuffle=True) does in an unseeded run. "
            + "once draws one order and keeps it, as Keras 3 does after keras.utils.set_random_seed. "
            + "off keeps file order (Keras's shuffle=False), e.g. to compare a run step by step with Keras."))
    var shuffle: ShuffleMode = .everyEpoch

    func validate() throws {
        if arch == nil, resume == nil, model == nil {
            throw ValidationError("give --arch or --model CONFIG.json to train a new model, or --resume FILE")
        }
        if resume != nil, model != nil { throw ValidationError("give --resume or --model, not both") }
        if let epochs, epochs < 0 { throw ValidationError("--epochs must be 0 or more") }
        if let batchSize, batchSize <= 0 { throw ValidationError("--batch-size must be positive") }
        if let learningRate, !(learningRate > 0 && learningRate.isFinite) { throw ValidationError("--learning-rate must be a positive number") }
        if let validationSplit, !(0 < validationSplit && validationSplit < 1) { throw ValidationError("--validation-split must be between 0 and 1") }
        if let limit, limit <= 0 { throw ValidationError("--limit must be positive") }
        if arrays.given && arrays.targetFiles.isEmpty { throw ValidationError("train --x needs the targets: --y") }
        _ = try outputOptions.resolvedFormat(for: out)
    }

    func run() throws {
        let format = try outputOptions.resolvedFormat(for: out)
        var notices: [Notice] = []
        let (model, preset, restored) = try startingPoint(notices: &notices)
        let recipe = preset?.recipe ?? .generic
        let trainingOptimizer = recipe.optimizer(resuming: restored, requested: optimizer, learningRate: learningRate,
                                                 parameters: model.parameters, notices: &notices)
        notices.forEach { note("note: \($0)") }

        let data = arrays.given ? try arrayData(for: model) : try mnistData(for: model, preset: preset)
        let train = data.train
        let stop = stopAtAccuracy ?? recipe.stopAtAccuracy
        let options = TrainingOptions(epochs: epochs ?? recipe.epochs, batchSize: batchSize ?? recipe.batchSize,
                                      stopAtAccuracy: stop.flatMap { $0 >= 1 ? nil : $0 }, seed: seed, shuffle: shuffle)
        let name = preset?.displayName ?? model.name
        if options.epochs == 0 {
            print("saving \(name) (\(describeCount(model.parameterCount)) parameters) untrained, "
                  + (resumedFile == nil ? "as initialised with seed \(seed)" : "as loaded"))
        } else {
            let length: String = (options.stopAtAccuracy.map { "up to \(options.epochs) epochs, stopping once training accuracy > \($0)" }
                ?? "\(options.epochs) epochs") + shuffle.describedOrder
            let rate = trainingOptimizer.learningRateSchedule.map { "\($0.className) from \($0.rate(atStep: trainingOptimizer.iterations))" }
                ?? "\(trainingOptimizer.learningRate)"
            let optimizerText = "\(trainingOptimizer.className) learning rate \(rate), batch \(options.batchSize)"
            print("training \(name) (\(describeCount(model.parameterCount)) parameters) on \(describeCount(train.count)) \(data.trainName): "
                  + "\(optimizerText), \(length)" + (data.validationName.map { "; validation on \($0)" } ?? ""))
        }
        let started = Date()
        let callbacks = try callbackOptions.callbacks(validating: data.validation != nil)
        let (history, nonFinite) = options.epochs == 0 ? ([], nil)
            : try arrays.reading {
                try fit(model, optimizer: trainingOptimizer, options: options, train: train, validation: data.validation, callbacks: callbacks)
            }
        let elapsed = Date().timeIntervalSince(started)
        CallbackOptions.report(callbacks).forEach { print($0) }
        if let nonFinite {
            throw ToolError.unusableModel(file: out, reason: "training stopped at epoch \(nonFinite.epoch), batch \(nonFinite.batch) of \(nonFinite.batches): "
                                + "the loss is \(nonFinite.loss.isNaN ? "NaN" : "infinite") (as Keras's TerminateOnNaN stops it); nothing was written "
                                + "(a lower --learning-rate often helps)")
        }
        if let last = history.last, let target = options.stopAtAccuracy, let accuracy = last.scores["accuracy"], accuracy > target {
            print("stopped after epoch \(last.epoch): training accuracy \(fixed(accuracy)) > \(target)")
        }
        var confusion: [[Int]]?
        if let test = data.test, let labels = data.testLabels {
            let evaluation = try model.evaluate(test)
            print("test: \(describe(evaluation.scores)) after \(history.count) epochs in \(ProgressBar.duration(elapsed))")
            confusion = TrainingReport.confusion(probabilities: try model.predict(test.inputs[0]), labels: labels, classes: model.outputSize)
        } else {
            print("trained \(history.count) epochs in \(ProgressBar.duration(elapsed))")
        }
        try ModelWriter.save(model, optimizer: outputOptions.noOptimizer ? nil : trainingOptimizer, to: out, format: format,
                             flavour: outputOptions.flavour)
        let report = TrainingReport(history: history, confusion: confusion, title: name)
        let written = history.isEmpty ? [] : try report.write(besides: out)
        print("saved \(out) (\(format)\(outputOptions.noOptimizer ? "" : ", with \(trainingOptimizer.className) state"))"
              + (written.isEmpty ? "" : "; wrote " + written.joined(separator: ", ")))
    }

    /// What a run trains on, validates on after each epoch, and scores at the end (MNIST's test set, with its
    /// labels for the confusion matrix), each described for the user.
    private struct TrainingData {
        var train: SampleSource
        var trainName: String
        var validation: SampleSource?
        var validationName: String?
        var test: Samples?
        var testLabels: [UInt8]?
    }

    /// MNIST as the model takes it: the training images (the first --limit), validated on the test set or the
    /// last --validation-split of them.
    private func mnistData(for model: Model, preset: Architecture?) throws -> TrainingData {
        let mnist = try MNIST.load(from: try dataOptions.location())
        let preprocessing: Preprocessing
        do {
            let (chosen, assumed) = try Preprocessing.forModel(model, preset: preset, pixels: pixels)
            if assumed { note("note: the model matches none of the notebook architectures; assuming pixels / 255 (--pixels raw to change)") }
            preprocessing = chosen
        } catch let error as PreprocessingError {
            throw ToolError.unusableModel(file: resumedFile ?? configFile ?? out, reason: "\(error)")
        }
        let train = try preprocessing.samples(limit.map { mnist.train.prefix($0) } ?? mnist.train, for: model)
        let test = try preprocessing.samples(mnist.test, for: model)
        var data = TrainingData(train: train, trainName: "MNIST images (\(preprocessing))", validation: test,
                                validationName: "the \(describeCount(test.count)) test images", test: test, testLabels: mnist.test.labels)
        if let (kept, held) = try split(train) {
            (data.train, data.validation) = (kept, held)
            data.validationName = "the last \(describeCount(held.count)) training images"
        }
        return data
    }

    /// The user's arrays (the first --limit samples), validated on the last --validation-split of them, if
    /// asked; there is no test set.
    private func arrayData(for model: Model) throws -> TrainingData {
        var all = try arrays.samples(for: model, targets: true)
        if let limit { all = all.slice(0..<min(limit, all.count)) }
        var data = TrainingData(train: all, trainName: "samples from \(arrays.inputFiles.joined(separator: ", "))")
        if let (kept, held) = try split(all) {
            (data.train, data.validation) = (kept, held)
            data.validationName = "the last \(describeCount(held.count)) samples"
        }
        return data
    }

    /// `samples` without and with their last --validation-split, as Keras's `validation_split` splits them.
    private func split(_ samples: SampleSource) throws -> (SampleSource, SampleSource)? {
        guard let validationSplit else { return nil }
        do {
            if let inMemory = samples as? Samples { return try inMemory.splitForValidation(validationSplit) }
            return try samples.splitForValidation(validationSplit)
        } catch let error as SamplesError {
            throw ToolError.unusableData(file: arrays.given ? arrays.inputFiles.joined(separator: ", ") : "MNIST", reason: "\(error)")
        }
    }

    /// `--model` when it names a config to train from scratch.
    private var configFile: String? { model.flatMap { $0.lowercased().hasSuffix(".json") ? $0 : nil } }
    /// The model file to continue: `--resume`, or `--model` naming a model file.
    private var resumedFile: String? { resume ?? (configFile == nil ? model : nil) }

    /// The model to train: a fresh preset or config, or a resumed file with its optimizer (for a config, the
    /// fresh optimizer its compile_config describes).
    private func startingPoint(notices: inout [Notice]) throws -> (Model, Architecture?, Optimizer?) {
        if let configFile {
            try FileProbe.check(configFile)
            let configured = try ConfiguredModel.load(configFile, seed: seed, inputShapes: arrays.sampleShapes)
            if !arrays.given { try ModelOptions.requireDigitModel(configured.model, file: configFile) }
            try requireTrainable(file: configFile, loss: configured.unsupportedLoss, notices: configured.notices)
            // A config compiled without metrics reports accuracy, as the notebooks compile their models.
            if configured.model.metrics.allSatisfy(\.isEmpty) { try configured.model.setMetrics(configured.model.outputs.map { _ in [.accuracy] }) }
            notices += configured.notices
            return (configured.model, nil, optimizer == nil ? configured.optimizer : nil)
        }
        if let resume = resumedFile {
            try FileProbe.check(resume)
            let loaded = try Architecture.load(resume, as: arch, inputShapes: arrays.sampleShapes)
            if !arrays.given { try ModelOptions.requireDigitModel(loaded.model, file: resume) }
            try loaded.loaded.checkTrainingConfig()
            var restoring: [Notice] = []
            let restored = try OptimizerState.restore(try loaded.storedOptimizer(), for: loaded.model, notices: &restoring)
            try requireTrainable(file: resume, loss: loaded.loaded.unsupportedLoss, notices: restoring)
            notices += loaded.notices + restoring
            if let restored { note("resuming \(resume): \(restored.className) state after \(restored.iterations) steps") }
            return (loaded.model, loaded.architecture, restored)
        }
        guard let arch else { throw ValidationError("give --arch or --resume") }
        return (try arch.makeModel(seed: seed), arch, nil)
    }

    /// Refuses to train a file's model on another loss than its own, or with another optimizer than its own
    /// unless `--optimizer` chooses one.
    private func requireTrainable(file: String, loss: String?, notices: [Notice]) throws {
        if let loss {
            throw ToolError.unusableModel(file: file, reason: "its loss \(loss) is not supported for training (\(Loss.Kind.supportedNames))")
        }
        for case .optimizerNotSupported(let what) in notices where optimizer == nil {
            throw ToolError.unusableModel(file: file, reason: "its optimizer \(what) is not supported for training; "
                                + "--optimizer trains it with a fresh one of \(OptimizerChoice.names.joined(separator: ", "))")
        }
    }

    /// Trains with a progress bar and a line per epoch; returns the history and, when a batch's loss was not
    /// finite, where training stopped.
    private func fit(_ model: Model, optimizer: Optimizer, options: TrainingOptions, train: SampleSource,
                     validation: SampleSource?, callbacks: [Callback]) throws -> ([EpochRecord], NonFiniteLoss?) {
        let trainer = Trainer(model: model, optimizer: optimizer, options: options)
        var bar: ProgressBar?
        let history = try trainer.fit(train, validation: validation, callbacks: callbacks, onStep: { step in
            if step.step == 1 { bar = ProgressBar(label: "epoch \(step.epoch)/\(options.epochs)", total: step.steps) }
            bar?.update(step.step, "\(describe(step.scores)) \(describeCount(Int(step.samplesPerSecond))) samples/s")
        }, onEpoch: { record in
            bar?.finish()
            var line = "epoch \(record.epoch)/\(options.epochs): \(describe(record.logs))"
            line += " (\(String(format: "%.1f", record.seconds)) s, \(describeCount(Int(Double(train.count) / max(record.seconds, 1e-9)))) samples/s)"
            print(line)
            flushStandardOutput()
        })
        bar?.finish()
        return (history, trainer.stoppedOnNonFiniteLoss)
    }
}
