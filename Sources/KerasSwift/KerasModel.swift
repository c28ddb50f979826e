import SafeWrite

/// A Keras model in Swift, with Keras's verbs: load any Keras file, `predict`, `summary`, `compile`, `fit`,
/// `evaluate`, and `save` in any Keras form.
///
///     let model = try KerasModel.load("LeNet5.h5")
///     let y = try model.predict(try Tensor(shape: [1, 32, 32, 1], scalars: pixels))
///
/// A model has identity (its weights change as it trains), so it is a class; one model runs one call at a time.
public final class KerasModel {
    /// The network: its layers, weights and passes.
    public let model: Model
    /// The optimizer `compile` set, or the one restored with its state from the file.
    public private(set) var optimizer: Optimizer?
    /// Each output's loss, as `compile` set them or the file names them (one for most models); nil until then.
    public private(set) var losses: [Loss]?
    /// What loading converted or ignored, for the user to hear about.
    public private(set) var notices: [Notice]
    /// The Keras config the model was built from, when it was (it names the paths of the weights that
    /// ``loadWeights(_:)`` reads).
    private let config: ModelConfig?

    /// Wraps a model built in Swift, not yet compiled.
    public convenience init(_ model: Model) {
        self.init(model, config: nil, optimizer: nil, losses: nil, notices: [])
    }

    private init(_ model: Model, config: ModelConfig?, optimizer: Optimizer?, losses: [Loss]?, notices: [Notice]) {
        self.model = model
        self.config = config
        self.optimizer = optimizer
        self.losses = losses
        self.notices = notices
    }

    /// Loads a Keras model file of any full form, recognised from its content: a legacy `.h5` (Keras 2 or 3)
    /// or a `.keras` archive. Like Keras's `load_model`, a file saved with its training state comes back
    /// compiled, its optimizer state restored; `compile: false` loads the model alone, as Keras's
    /// `load_model(compile=False)` does (the file's training settings are then not read, nor checked). A
    /// `.weights.h5` holds no architecture: build the model (``fromConfig(_:seed:)``, or in Swift) and call
    /// ``loadWeights(_:)``.
    ///
    /// A model whose inputs leave an axis open (`None`: a sequence of any length) is built for the data it is
    /// to run on: `inputShapes` gives each input's per-sample shape (`[[80]]` for token ids padded to 80); the
    /// axis stays open in the files the model is saved to.
    public static func load(_ path: String, compile: Bool = true, inputShapes: [[Int]]? = nil) throws -> KerasModel {
        let loaded = try ModelLoader.load(path, inputShapes: inputShapes)
        if compile { try loaded.checkTrainingConfig() }
        var notices = loaded.notices
        let optimizer = compile ? try OptimizerState.restore(try loaded.storedOptimizer(), for: loaded.model, notices: &notices) : nil
        return KerasModel(loaded.model, config: try loaded.file.modelConfig(), optimizer: optimizer,
                          losses: optimizer == nil ? nil : loaded.losses, notices: notices)
    }

    /// Builds the model a Keras config file describes (`model.to_json()`, or a `.keras` archive's
    /// `config.json`), its weights drawn by each layer's initializer from `seed`, as Keras's
    /// `model_from_json` does. When the config carries a `compile_config` with an optimizer and a loss, the
    /// model comes back compiled with them, fresh.
    public static func fromConfig(_ path: String, seed: UInt64 = 0) throws -> KerasModel {
        let configured = try ConfiguredModel.load(path, seed: seed)
        let compiled = configured.optimizer != nil && configured.losses != nil
        return KerasModel(configured.model, config: configured.config, optimizer: compiled ? configured.optimizer : nil,
                          losses: compiled ? configured.losses : nil, notices: configured.notices)
    }

    /// Reads the weights of a Keras file into this model, as Keras's `model.load_weights` does: a
    /// `.weights.h5` or `.keras` by Keras's `layers/...` paths, a legacy `.h5` by position among the layers
    /// with weights; or a `.safetensors` file by Keras's weight paths (`dense/kernel`). Every layer's weight
    /// count and shapes are checked before any weight changes; what the reading converted joins ``notices``.
    public func loadWeights(_ path: String) throws {
        if SafetensorsFile.isSafetensors(path) {
            notices += try SafetensorsWeights.load(path, into: model)
        } else {
            notices += try ModelLoader.loadWeights(path, into: model, config: config)
        }
    }

    /// The inputs in the order `predict`, `fit` and `evaluate` take their arrays: each one's name, per-sample
    /// shape and dtype, as `keras.Input` declared them.
    public var inputs: [Model.Input] { model.inputs }
    /// Per-sample input shape, e.g. `[32, 32, 1]` (the first input's, for a model with several).
    public var inputShape: [Int] { model.inputShape }
    /// The outputs' names (their layers'), in the order `predictEach` gives them and `y` takes them.
    public var outputNames: [String] { model.outputNames }
    /// Per-sample shape of each output.
    public var outputShapes: [[Int]] { model.outputShapes }
    /// Per-sample output shape, e.g. `[10]` (the first output's, for a model with several).
    public var outputShape: [Int] { model.outputShape }

    /// The first output for a batch of a model with one input: `x` has shape `[n] + inputShape`; the result
    /// `[n] + outputShape`.
    public func predict(_ x: Tensor, batchSize: Int = 32, training: Bool = false) throws -> Tensor {
        try predictEach([x], batchSize: batchSize, training: training)[0]
    }

    /// The first output for a batch of every input, one tensor per input in the model's order (see ``inputs``).
    public func predict(_ x: [Tensor], batchSize: Int = 32, training: Bool = false) throws -> Tensor {
        try predictEach(x, batchSize: batchSize, training: training)[0]
    }

    /// Every output for a batch of a model with one input, in the model's order of outputs.
    public func predictEach(_ x: Tensor, batchSize: Int = 32, training: Bool = false) throws -> [Tensor] {
        try predictEach([x], batchSize: batchSize, training: training)
    }

    /// Every output for a batch, in the model's order of outputs, as Keras's `predict` lists them: `x` holds
    /// one tensor per input, each of shape `[n]` + that input's shape; each result is `[n]` + that output's shape.
    /// With `training`, the layers run as Keras's `model(x, training=True)` runs them, `batchSize` samples at
    /// a time: dropout and noise layers draw their noise, and batch normalization normalises by each batch's
    /// statistics and moves its moving mean and variance towards them.
    public func predictEach(_ x: [Tensor], batchSize: Int = 32, training: Bool = false) throws -> [Tensor] {
        let data = try model.samples(inputs: x)
        return try zip(model.outputShapes, model.predictEach(data.inputs, batchSize: max(1, batchSize), training: training)).map { shape, values in
            try Tensor(shape: [data.count] + shape, scalars: values)
        }
    }

    /// A table of the layers like Keras's `model.summary()`, with the optimizer's state when there is one.
    public func summary() -> String {
        var text = model.summary()
        if let optimizer {
            // As Keras counts them: the step count (int64), the learning rate and the slots (float32).
            let slotValues = optimizer.slots.reduce(0) { $0 + $1.count }
            text += "\n Optimizer params: \(describeCount(slotValues + 2)) (\(describeByteSize(8 + 4 + 4 * slotValues)))"
        }
        return text
    }

    /// Sets the optimizer (fresh, as Keras's `compile` makes it), one loss for every output and the metrics
    /// of every output for `fit` and `evaluate`; `lossWeights`, one per output, weigh the outputs' losses in
    /// the total (1 each by default). Metrics are given as Keras takes them: `.accuracy`,
    /// `Metric(kerasName: "mae")`, or a configured `Metric(.auc(...))`.
    public func compile(optimizer: OptimizerChoice, loss: Loss = .sparseCategoricalCrossentropy, lossWeights: [Double]? = nil,
                        metrics: [Metric] = []) throws {
        try compile(optimizer: optimizer, loss: model.outputs.map { _ in loss }, lossWeights: lossWeights, metrics: metrics)
    }

    /// `compile` with each output's loss, in the model's order of outputs, as Keras takes a list of losses.
    /// Throws a `ModelError`, changing nothing, when the losses or weights are not one per output.
    public func compile(optimizer: OptimizerChoice, loss: [Loss], lossWeights: [Double]? = nil, metrics: [Metric] = []) throws {
        try model.setLosses(loss, weights: lossWeights ?? model.outputs.map { _ in 1 })
        try model.setMetrics(model.outputs.map { _ in metrics })
        self.optimizer = optimizer.make(parameters: model.parameters)
        losses = model.losses
    }

    /// `compile` with the loss and metrics by the names Keras takes: `loss: "mse", metrics: ["mae"]`. Throws
    /// `KerasNameError` for a name Keras does not have.
    public func compile(optimizer: OptimizerChoice, loss: String, lossWeights: [Double]? = nil, metrics: [String] = []) throws {
        try compile(optimizer: optimizer, loss: try Loss(kerasName: loss), lossWeights: lossWeights,
                    metrics: try metrics.map { try Metric(kerasName: $0) })
    }

    /// Trains on `x`, one tensor per input in the model's order, with targets `y`, one tensor per output in
    /// the model's order (class indices for an output whose loss is sparse categorical cross-entropy, else
    /// values of the output's shape), like Keras's `fit`: the last partial batch counts as a step, `shuffle`
    /// says when the samples are shuffled (from `seed`), `sampleWeight` weighs each sample's loss, or
    /// `classWeight` each class's (see `Samples.weighted(byClass:)`). The last `validationSplit` of the samples,
    /// or `validationData`, is evaluated after each epoch. `callbacks` (`EarlyStopping`, `ReduceLROnPlateau`,
    /// `ModelCheckpoint`, ...) hear the run and may stop it; `onEpoch` hears each epoch's figures as they
    /// come. A batch whose loss is NaN or infinite ends training, as Keras's `TerminateOnNaN` does, without its
    /// step (``History/stoppedOnNonFiniteLoss`` says where).
    @discardableResult
    public func fit(x: [Tensor], y: [Tensor], epochs: Int = 1, batchSize: Int = 32, sampleWeight: [Float]? = nil,
                    classWeight: [Int: Float]? = nil, validationSplit: Double = 0, validationData: (x: [Tensor], y: [Tensor])? = nil,
                    shuffle: ShuffleMode = .everyEpoch, seed: UInt64 = 0, callbacks: [Callback] = [],
                    onEpoch: ((EpochRecord) -> Void)? = nil) throws -> History {
        guard optimizer != nil, losses != nil else { throw KerasModelError.notCompiled }
        guard validationSplit == 0 || validationData == nil else {
            throw KerasModelError.invalidSetting("give validationSplit or validationData, not both")
        }
        var train = try samples(x, y, sampleWeight: sampleWeight)
        var validation = try validationData.map { try samples($0.x, $0.y, sampleWeight: nil) }
        if validationSplit != 0 { (train, validation) = try train.splitForValidation(validationSplit) }
        if let classWeight { train = try train.weighted(byClass: classWeight) }
        return try fit(train, epochs: epochs, batchSize: batchSize, validationData: validation, shuffle: shuffle, seed: seed,
                       callbacks: callbacks, onEpoch: onEpoch)
    }

    /// `fit` on samples read a batch at a time from `source`, as Keras's `fit` takes a `PyDataset`:
    /// `NumpySource` maps `.npy` files so that the data set need not fit in memory. The source gives each
    /// input's samples and each output's targets as the tensors of `fit(x:y:...)` would, with sample weights
    /// if it has them; their sizes are checked before the first step and their values batch by batch.
    @discardableResult
    public func fit(_ source: SampleSource, epochs: Int = 1, batchSize: Int = 32, validationSplit: Double = 0,
                    validationData: SampleSource? = nil, shuffle: ShuffleMode = .everyEpoch, seed: UInt64 = 0, callbacks: [Callback] = [],
                    onEpoch: ((EpochRecord) -> Void)? = nil) throws -> History {
        guard let optimizer, losses != nil else { throw KerasModelError.notCompiled }
        guard epochs >= 0, batchSize > 0 else { throw KerasModelError.invalidSetting("epochs must be 0 or more and batchSize positive") }
        guard validationSplit == 0 || validationData == nil else {
            throw KerasModelError.invalidSetting("give validationSplit or validationData, not both")
        }
        var train = source, validation = validationData
        if validationSplit != 0 { (train, validation) = try source.splitForValidation(validationSplit) }
        guard epochs > 0, train.count > 0 else { return History(epochs: [], stoppedOnNonFiniteLoss: nil) }
        let trainer = Trainer(model: model, optimizer: optimizer,
                              options: TrainingOptions(epochs: epochs, batchSize: batchSize, seed: seed, shuffle: shuffle))
        let epochs = try trainer.fit(train, validation: validation, callbacks: callbacks, onEpoch: onEpoch)
        return History(epochs: epochs, stoppedOnNonFiniteLoss: trainer.stoppedOnNonFiniteLoss)
    }

    /// `fit(x:y:...)` for a model with one input.
    @discardableResult
    public func fit(x: Tensor, y: [Tensor], epochs: Int = 1, batchSize: Int = 32, sampleWeight: [Float]? = nil,
                    classWeight: [Int: Float]? = nil, validationSplit: Double = 0, validationData: (x: Tensor, y: [Tensor])? = nil,
                    shuffle: ShuffleMode = .everyEpoch, seed: UInt64 = 0, callbacks: [Callback] = [],
                    onEpoch: ((EpochRecord) -> Void)? = nil) throws -> History {
        try fit(x: [x], y: y, epochs: epochs, batchSize: batchSize, sampleWeight: sampleWeight, classWeight: classWeight,
                validationSplit: validationSplit, validationData: validationData.map { ([$0.x], $0.y) }, shuffle: shuffle, seed: seed,
                callbacks: callbacks, onEpoch: onEpoch)
    }

    /// `fit(x:y:...)` with the targets of every output for a model with one input and one output.
    @discardableResult
    public func fit(x: Tensor, y: Tensor, epochs: Int = 1, batchSize: Int = 32, sampleWeight: [Float]? = nil,
                    classWeight: [Int: Float]? = nil, validationSplit: Double = 0, validationData: (x: Tensor, y: Tensor)? = nil,
                    shuffle: ShuffleMode = .everyEpoch, seed: UInt64 = 0, callbacks: [Callback] = [],
                    onEpoch: ((EpochRecord) -> Void)? = nil) throws -> History {
        try fit(x: x, y: [y], epochs: epochs, batchSize: batchSize, sampleWeight: sampleWeight, classWeight: classWeight,
                validationSplit: validationSplit, validationData: validationData.map { ($0.x, [$0.y]) }, shuffle: shuffle, seed: seed,
                callbacks: callbacks, onEpoch: onEpoch)
    }

    /// `fit(x:y:...)` with integer class
    /// labels, for classifiers: every output gets them as class indices, or one-hot where its loss takes values
    /// of its shape.
    @discardableResult
    public func fit(x: Tensor, y: [Int], epochs: Int = 1, batchSize: Int = 32, classWeight: [Int: Float]? = nil,
                    validationSplit: Double = 0, validationData: (x: Tensor, y: [Int])? = nil, shuffle: ShuffleMode = .everyEpoch,
                    seed: UInt64 = 0, callbacks: [Callback] = [], onEpoch: ((EpochRecord) -> Void)? = nil) throws -> History {
        try fit(x: x, y: try classTargets(y), epochs: epochs, batchSize: batchSize, classWeight: classWeight, validationSplit: validationSplit,
                validationData: try validationData.map { ($0.x, try classTargets($0.y)) }, shuffle: shuffle, seed: seed, callbacks: callbacks,
                onEpoch: onEpoch)
    }

    /// Loss and metrics on `x`, one tensor per input, with targets `y`, one tensor per output, like Keras's
    /// `evaluate`.
    public func evaluate(x: [Tensor], y: [Tensor], sampleWeight: [Float]? = nil, batchSize: Int = 32) throws -> Evaluation {
        guard losses != nil else { throw KerasModelError.notCompiled }
        return try model.evaluate(try samples(x, y, sampleWeight: sampleWeight), batchSize: max(1, batchSize))
    }

    /// Loss and metrics on samples read a batch at a time from `source` (see ``fit(_:epochs:batchSize:validationSplit:validationData:shuffle:seed:callbacks:onEpoch:)``).
    public func evaluate(_ source: SampleSource, batchSize: Int = 32) throws -> Evaluation {
        guard losses != nil else { throw KerasModelError.notCompiled }
        return try model.evaluate(source, batchSize: max(1, batchSize))
    }

    /// Every output for the inputs of `source`, read a batch at a time, in the model's order of outputs; each
    /// result is `[n]` + that output's shape.
    public func predictEach(_ source: SampleSource, batchSize: Int = 32, training: Bool = false) throws -> [Tensor] {
        try zip(model.outputShapes, model.predictEach(source, batchSize: max(1, batchSize), training: training)).map { shape, values in
            try Tensor(shape: [source.count] + shape, scalars: values)
        }
    }

    /// `evaluate(x:y:...)` for a model with one input.
    public func evaluate(x: Tensor, y: [Tensor], sampleWeight: [Float]? = nil, batchSize: Int = 32) throws -> Evaluation {
        try evaluate(x: [x], y: y, sampleWeight: sampleWeight, batchSize: batchSize)
    }

    /// `evaluate(x:y:...)` with the targets of every output, for a model with one input and one output.
    public func evaluate(x: Tensor, y: Tensor, sampleWeight: [Float]? = nil, batchSize: Int = 32) throws -> Evaluation {
        try evaluate(x: x, y: [y], sampleWeight: sampleWeight, batchSize: batchSize)
    }

    /// `evaluate(x:y:...)` with integer class labels, made into every output's targets as `fit` makes them.
    public func evaluate(x: Tensor, y: [Int], batchSize: Int = 32) throws -> Evaluation {
        try evaluate(x: x, y: try classTargets(y), batchSize: batchSize)
    }

    /// Saves the model with its optimizer state in the form the extension names: `.keras`, `.weights.h5`, or
    /// `.h5` (legacy, as Keras 3 writes it); or its weights alone in `.safetensors`, by Keras's weight paths
    /// (`dense/kernel`); or `.onnx`, the model for inference as onnxruntime runs it (opset 17, a symbolic batch;
    /// an axis the file left open is written at the length the model was built for: `ONNXExporter`'s
    /// `export(_:atAnotherLength:)` keeps it open). The file appears complete or not at all.
    public func save(_ path: String) throws {
        if path.lowercased().hasSuffix(".safetensors") {
            try SafetensorsWeights.save(model, to: path, source: "KerasModel")
        } else if path.lowercased().hasSuffix(".onnx") {
            try AtomicFile.write(try ONNXExporter().export(model), to: path)
        } else {
            try ModelWriter.save(model, optimizer: optimizer, to: path)
        }
    }

    /// A dataset of `x` and its targets, checked against the model (see ``Model/samples(inputs:targets:sampleWeights:)``).
    private func samples(_ x: [Tensor], _ y: [Tensor], sampleWeight: [Float]?) throws -> Samples {
        try model.samples(inputs: x, targets: y, sampleWeights: sampleWeight)
    }

    /// Integer class labels as every output's targets: class indices, or one-hot where the output's loss takes
    /// values of its shape.
    private func classTargets(_ labels: [Int]) throws -> [Tensor] {
        try zip(model.losses, model.outputShapes).map { loss, shape in
            let classes = shape.last ?? 1
            if let (index, label) = labels.enumerated().first(where: { !(0..<classes).contains($0.element) }) {
                throw KerasModelError.labelOutOfRange(index: index, label: label, classes: classes)
            }
            guard !loss.takesClassIndices else { return try Tensor(shape: [labels.count], scalars: labels.map(Float.init)) }
            guard shape.count == 1 else { throw KerasModelError.invalidSetting("class labels fit an output of one axis, not \(describeShape(shape, batch: true))") }
            return try Tensor(shape: [labels.count, classes], scalars: labels.flatMap { label in (0..<classes).map { $0 == label ? 1 : 0 } })
        }
    }
}

/// What `fit` recorded, like Keras's `History`: one record per epoch.
public struct History: Sendable {
    /// Each epoch's figures, in order: the epochs completed.
    public let epochs: [EpochRecord]
    /// Where training stopped because a batch's loss was NaN or infinite, if it did.
    public let stoppedOnNonFiniteLoss: NonFiniteLoss?

    /// Each epoch's mean training loss (Keras's `history["loss"]`).
    public var loss: [Double] { epochs.map(\.loss) }
    /// Each epoch's validation loss, when validation data was given.
    public var validationLoss: [Double] { epochs.compactMap(\.validationLoss) }

    /// Each epoch's figure of that name, as Keras's `history.history[name]`: `"loss"`, a metric's name, or
    /// either after `"val_"`; empty when no epoch has it.
    public subscript(name: String) -> [Double] { epochs.compactMap { $0.logs[name] } }
}

/// A call a ``KerasModel`` cannot carry out as asked.
public enum KerasModelError: Error, Equatable, CustomStringConvertible {
    /// A label is not a class index of the model's output.
    case labelOutOfRange(index: Int, label: Int, classes: Int)
    /// `fit` or `evaluate` before `compile` (and the file had no training state).
    case notCompiled
    /// A setting out of range, described.
    case invalidSetting(String)

    public var description: String {
        switch self {
        case .labelOutOfRange(let index, let label, let classes): return "label \(index) is \(label), outside the model's \(classes) classes"
        case .notCompiled: return "the model is not compiled: call compile(optimizer:loss:) before fit or evaluate"
        case .invalidSetting(let what): return what
        }
    }
}
