import HDF5
import NeuralNet

/// A model read from a Keras file; the optimizer state the file carries is read on demand.
public struct LoadedModel {
    /// The model, built and with the file's weights.
    public let model: Model
    /// The open file it came from.
    public let file: KerasFile
    /// Conversions and ignored settings the user should hear about.
    public let notices: [Notice]
    /// Each output's loss as the file's training config names them, when this project has them (the model is
    /// set to them, and to the config's loss weights).
    public let losses: [Loss]?
    /// The loss the training config names when this project does not have it (or one of its options): the
    /// model keeps sparse categorical cross-entropy, and training it would train another loss.
    public let unsupportedLoss: String?
    /// What is wrong with the training config's loss settings, when they cannot be used (loss weights that
    /// are not finite, a list of losses that does not fit the outputs). Predicting does not need them;
    /// ``checkTrainingConfig()`` refuses them for evaluating, training and saving.
    public let trainingConfigError: KerasFormatError?
    let inventory: WeightInventory

    /// Throws ``trainingConfigError`` when there is one: before the model's loss is used or written.
    public func checkTrainingConfig() throws {
        if let trainingConfigError { throw trainingConfigError }
    }

    /// The optimizer state stored in the file, if any: its variables are listed, their values read when used.
    public func storedOptimizer() throws -> StoredOptimizer? {
        try ModelLoader.readOptimizer(inventory, file: file)
    }
}

/// Optimizer state as a Keras file stores it: variables in positional order, plus the optimizer's config.
public struct StoredOptimizer: Sendable {
    /// One stored optimizer variable; its values are read on demand, straight into the caller's memory.
    public struct Variable: Sendable {
        /// The variable's name in the file.
        public let name: String
        /// Its absolute HDF5 path.
        public let path: String
        /// Its shape.
        public let shape: [Int]
        /// How the file stores its values.
        public let elementType: ElementType
        /// The root of the file that holds it.
        let root: Group

        /// Its values as float64 (for the small ones: a step count, a rate).
        public func scalars() throws -> [Double] { try root.dataset(path).read(Double.self) }

        /// Its values exactly, when they are stored as integers (a step count).
        public func integers() throws -> [Int64]? {
            guard case .integer = elementType else { return nil }
            return try root.dataset(path).read(Int64.self)
        }

        /// Reads the values as float32 into `buffer`, which must hold exactly as many.
        public func read(into buffer: UnsafeMutableBufferPointer<Float>) throws {
            try root.dataset(path).read(into: buffer)
        }
    }

    /// The file it was read from, for messages.
    public let file: String
    /// Where the file keeps the optimizer's config, for messages: `training_config` or `compile_config`.
    public let configObject: String
    /// `SGD`, `Adam`... when the file says.
    public let name: String?
    /// The optimizer's Keras config (`{"learning_rate": ..., "beta_1": ...}`) when the file has one.
    public let config: JSONObject?
    /// The variables in stored (positional) order.
    public let variables: [Variable]
}

/// Reads any Keras model or weights file into a Swift model.
public enum ModelLoader {
    /// Builds the model a weights-only file (without a model config) belongs to, given what the file stores.
    public typealias ModelMaker = (WeightInventory) throws -> Model

    /// Loads `path`. A file with a model config builds its model from it; a weights-only file (`.weights.h5`,
    /// Keras 2's `save_weights`) gets its model from `configFile` (a Keras config: `model.to_json()`, or a
    /// `.keras` archive's `config.json`, whose `compile_config` then gives the loss and metrics) or from
    /// `architecture`, and is refused without either.
    ///
    /// A config whose inputs leave an axis open (`None`, a sequence of any length) is built for `inputShapes`,
    /// the per-sample shapes of the data it is to run on, or else with that axis `openAxisLength` long (a model
    /// to convert, whose weights cannot depend on it); the axis stays open in the files the model is written to.
    public static func load(_ path: String, architecture: ModelMaker? = nil, configFile: String? = nil, inputShapes: [[Int]]? = nil,
                            openAxisLength: Int? = nil) throws -> LoadedModel {
        try load(KerasFile.open(path), architecture: architecture, configFile: configFile, inputShapes: inputShapes,
                 openAxisLength: openAxisLength)
    }

    /// The same for a file already opened (from disk or memory). With `readingWeights` false the model is built
    /// and the file's weights are checked to fit it (counts, shapes, types) but not read: the model keeps its
    /// initial weights (the tools' file probe checks a file that way).
    public static func load(_ file: KerasFile, architecture: ModelMaker? = nil, configFile: String? = nil,
                            readingWeights: Bool = true, inputShapes: [[Int]]? = nil, openAxisLength: Int? = nil) throws -> LoadedModel {
        let path = file.path
        var notices: [Notice] = []
        let model: Model
        let inventory: WeightInventory
        let given = try configFile.map { (path: $0, json: try ConfiguredModel.readJSON($0)) }
        if let given, file.modelConfigJSON != nil {
            throw KerasFormatError(file: given.path, .invalidValue(key: "the config", reason: "is for a weights-only file; \(path) has its own"))
        }
        let config = try file.modelConfig() ?? given.map { try ModelConfig.parse($0.json, file: $0.path) }
        if let config {
            var builder = ModelBuilder(file: given?.path ?? path, kerasVersion: file.kerasVersion ?? given?.json["keras_version"]?.stringValue)
            builder.dataShapes = inputShapes
            builder.openAxisLength = openAxisLength
            model = try builder.build(config)
            notices += builder.notices
            inventory = try file.inventory(config: config)
        } else {
            inventory = try file.inventory()
            guard let architecture else {
                throw KerasFormatError(file: path, .noModelConfig(file.format))
            }
            model = try architecture(inventory)
        }
        try assignWeights(inventory, to: model, config: config, file: file, reading: readingWeights, notices: &notices)
        var losses: [Loss]?, unsupportedLoss: String?, trainingConfigError: KerasFormatError?
        do {
            let source = given.map { CompileSettingsSource(file: $0.path, object: "compile_config") }
                ?? CompileSettingsSource(file: path, object: file.trainingConfigObject)
            let settings = file.trainingConfigJSON ?? given?.json["compile_config"]
            (losses, unsupportedLoss) = try LossConfig.apply(settings?["loss"], weights: settings?["loss_weights"], to: model, source: source,
                                                             notices: &notices)
            if let settings {
                try model.setMetrics(try MetricConfig.metrics(settings["metrics"], weighted: settings["weighted_metrics"],
                                                              outputNames: model.outputNames, source: source, kerasVersion: file.kerasVersion,
                                                              notices: &notices))
            }
        } catch let error as KerasFormatError {
            trainingConfigError = error
        }
        return LoadedModel(model: model, file: file, notices: notices, losses: losses, unsupportedLoss: unsupportedLoss,
                           trainingConfigError: trainingConfigError, inventory: inventory)
    }

    /// Reads the weights of any Keras file into `model`, as Keras's `load_weights` does: a `.weights.h5` or
    /// `.keras` by the `layers/...` paths of the model's layers (from `config` when the model was built from
    /// one, else from its layers' classes), a legacy `.h5` by position among layers with weights. The file's
    /// own architecture, if it has one, is not built; its weights must fit the model's, layer by layer.
    /// Returns what was converted (float16 or float64 weights) or found (NaN or infinite values).
    public static func loadWeights(_ path: String, into model: Model, config: ModelConfig? = nil) throws -> [Notice] {
        let file = try KerasFile.open(path)
        let inventory = try file.inventory(config: file.modelConfigJSON == nil ? config : nil)
        var notices: [Notice] = []
        try assignWeights(inventory, to: model, config: config, file: file, reading: true, notices: &notices)
        return notices
    }

    /// Puts the file's weights into the model: by position among layers with weights for legacy `.h5` (as Keras
    /// does; a nested model's layers share its group), by the `layers/...` path Keras computes for
    /// `.weights.h5` and `.keras` (from `config` when the model was built from it).
    static func assignWeights(_ inventory: WeightInventory, to model: Model, config: ModelConfig?, file: KerasFile,
                              reading: Bool, notices: inout [Notice]) throws {
        let root = try file.hdf5.root
        let fromConfig = config.map { $0.layers.count == model.layers.count } ?? false
        /// The weights of one stored layer: a model layer's, or a nested model's (its layers' trainable weights
        /// in order, then the others, as Keras lists them).
        struct Unit {
            let name: String
            let weights: [Parameter]
        }
        let pairs: [(Unit, StoredLayer)]
        switch inventory.format {
        case .legacyModel, .legacyWeights:
            var groups: [(name: String, layers: [Layer])] = []
            for (index, layer) in model.layers.enumerated() {
                let group = fromConfig ? config!.layers[index].legacyGroup : nil
                if let group, groups.last?.name == group { groups[groups.count - 1].layers.append(layer) } else {
                    groups.append((group ?? layer.name, [layer]))
                }
            }
            let units = groups.map { Unit(name: $0.name, weights: $0.layers.flatMap(\.parameters) + $0.layers.flatMap(\.state)) }
                .filter { !$0.weights.isEmpty }
            let fileLayers = inventory.layers.filter { !$0.weights.isEmpty }
            guard fileLayers.count == units.count else {
                throw KerasFormatError(file: file.path, .layerCountMismatch(model: units.map(\.name), file: fileLayers.map(\.name)))
            }
            pairs = Array(zip(units, fileLayers))
        case .weightsH5, .kerasArchive:
            let paths = fromConfig ? config!.saveableNames() : KerasNaming.saveableNames(classNames: model.layers.map(\.className))
            let byName = Dictionary(inventory.layers.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
            var matched: [(Unit, StoredLayer)] = []
            for (layer, path) in zip(model.layers, paths) where !layer.weights.isEmpty {
                guard let stored = byName[path], !stored.weights.isEmpty else {
                    throw KerasFormatError(file: file.path, object: "layers/\(path)/vars",
                                           .missingVariables(layer: layer.name, expected: layer.weights.count))
                }
                matched.append((Unit(name: layer.name, weights: layer.weights), try inLayerOrder(stored, of: layer, file: file.path)))
            }
            let used = Set(matched.map(\.1.name))
            if let extra = inventory.layers.first(where: { !$0.weights.isEmpty && !used.contains($0.name) }) {
                throw KerasFormatError(file: file.path, object: extra.groupPath, .unexpectedLayer)
            }
            pairs = matched
        }
        // Every count and shape is checked before any weight changes, so a file that does not fit leaves the
        // model as it was.
        for (layer, stored) in pairs {
            guard stored.weights.count == layer.weights.count else {
                throw KerasFormatError(file: file.path, object: stored.groupPath,
                                       .weightCountMismatch(layer: layer.name, expected: layer.weights.map(\.name), found: stored.weights.count))
            }
            for (parameter, weight) in zip(layer.weights, stored.weights) where weight.shape != parameter.shape {
                throw KerasFormatError(file: file.path, object: weight.path,
                                       .shapeMismatch(layer: layer.name, weight: parameter.name, expected: parameter.shape, found: weight.shape))
            }
        }
        var weights: [(parameter: Parameter, stored: StoredWeight)] = []
        for (layer, stored) in pairs {
            for (parameter, weight) in zip(layer.weights, stored.weights) {
                try checkStoredType(weight, for: parameter, file: file.path, notices: &notices)
                weights.append((parameter, weight))
            }
        }
        guard reading else { return }
        try WeightReading.read(weights.map {
            WeightReading.Target(root: root, path: $0.stored.path, buffer: UnsafeMutableBufferPointer(start: $0.parameter.value, count: $0.parameter.count))
        })
        for (parameter, weight) in weights { try checkValues(of: parameter, readFrom: weight.path, file: file.path, notices: &notices) }
    }

    /// `stored`'s weights in the order of `layer.weights`, found by their paths under the layer's group
    /// (`vars/0`, `layer/vars/1`); a count that differs is left for the caller to report, a nested group
    /// that is missing is refused here.
    private static func inLayerOrder(_ stored: StoredLayer, of layer: Layer, file: String) throws -> StoredLayer {
        let byName = Dictionary(stored.weights.map { ($0.name, $0) }, uniquingKeysWith: { a, _ in a })
        let expected = LayerCodecs.weightGroups(of: layer, flavour: .keras3).flatMap(\.storedNames)
        let found = expected.compactMap { byName[$0] }
        if found.count == expected.count {
            let used = Set(expected)
            return StoredLayer(name: stored.name, className: stored.className, groupPath: stored.groupPath,
                               weights: found + stored.weights.filter { !used.contains($0.name) })
        }
        guard stored.weights.count == expected.count, let missing = expected.first(where: { byName[$0] == nil }) else { return stored }
        throw KerasFormatError(file: file, object: stored.groupPath + "/" + missing, .missingVariables(layer: layer.name, expected: expected.count))
    }

    /// Refuses a weight stored as anything but numbers float32 can hold (integers only for integer
    /// parameters); float16 and float64 get a notice that they are converted.
    static func checkStoredType(_ weight: StoredWeight, for parameter: Parameter, file: String, notices: inout [Notice]) throws {
        switch weight.elementType {
        case .float(4): break
        case .integer where parameter.storedAsInteger: break
        case .float(let bytes): notices.append(.convertedToFloat32(weight: weight.path, from: "float\(bytes * 8)"))
        default:
            throw KerasFormatError(file: file, object: weight.path, .notFloats(weight.elementType))
        }
    }

    /// Checks a parameter's values just read from `weight` (a dataset or tensor of `file`): NaN and infinity are
    /// reported, negative variances refused.
    static func checkValues(of parameter: Parameter, readFrom weight: String, file: String, notices: inout [Notice]) throws {
        parameter.valuesChanged()
        if let (index, value) = parameter.firstNegativeVariance {
            throw KerasFormatError(file: file, object: weight, .invalidValue(key: "the \(parameter.name)",
                                                                                   reason: "must be 0 or more; value \(index) of \(parameter.count) is \(value)"))
        }
        let bad = parameter.nonFiniteCount
        if bad > 0 { notices.append(.nonFiniteValues(weight: weight, count: bad, of: parameter.count)) }
    }

    static func readOptimizer(_ inventory: WeightInventory, file: KerasFile) throws -> StoredOptimizer? {
        guard !inventory.optimizerWeights.isEmpty else { return nil }
        let root = try file.hdf5.root
        let variables = try inventory.optimizerWeights.map { weight -> StoredOptimizer.Variable in
            guard weight.elementType.isNumeric else {
                throw KerasFormatError(file: file.path, object: weight.path, .optimizerVariableNotNumeric(weight.elementType))
            }
            return StoredOptimizer.Variable(name: weight.name, path: weight.path, shape: weight.shape, elementType: weight.elementType, root: root)
        }
        let described = OptimizerState.described(file.trainingConfigJSON?["optimizer_config"] ?? file.trainingConfigJSON?["optimizer"])
        return StoredOptimizer(file: file.path, configObject: file.trainingConfigObject, name: inventory.optimizerName ?? described?.className,
                               config: described?.config, variables: variables)
    }
}
