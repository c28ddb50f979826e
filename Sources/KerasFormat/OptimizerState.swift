import NeuralNet

/// Optimizer state in Keras's positional layouts, both ways: a Swift optimizer's variables as Keras stores
/// them, and a Swift optimizer rebuilt from a file's variables.
///
/// What a file says about training is checked before it is used: a setting out of the range Keras gives it
/// meaning (a NaN learning rate, a `beta_1` of 1e300, a negative velocity, a step count that is no whole
/// number) is refused naming the file, the object and the key. A Keras setting this project does not apply
/// (another optimizer class, a learning-rate schedule, gradient clipping) leaves the state unrestored with a
/// notice that names it, as Keras itself skips optimizer state it cannot use.
public enum OptimizerState {
    /// One stored optimizer variable.
    public struct Variable {
        /// A step count, a few floats, or a slot's values (written from its own memory).
        public enum Values { case integer(Int64), floats([Float]), slot(OptimizerSlot) }
        /// The variable's name as Keras writes it.
        public let name: String
        /// Its shape.
        public let shape: [Int]
        /// Its values.
        public let values: Values
    }

    /// The largest step count read from a file: 2^53, which every float64 counts exactly and no training
    /// reaches (2^53 steps at a microsecond each take 285 years).
    public static let maximumSteps: Int64 = 1 << 53

    /// The variables in Keras 3's order (`iteration`, `learning_rate`, then each weight's slots, interleaved) or
    /// Keras 2's (`iteration`, then the slots), named as that Keras names them in a legacy `.h5`.
    public static func variables(of optimizer: Optimizer, model: Model, flavour: KerasFlavour) -> [Variable] {
        let prefix = optimizer.className
        var variables: [Variable] = []
        // Each trainable weight by its legacy name (`kernel`; `forward_gru/gru_cell/kernel` inside a wrapper).
        let weights = model.layers.flatMap { layer in
            let groups = LayerCodecs.weightGroups(of: layer, flavour: flavour)
            let names = Dictionary(zip(groups.flatMap(\.parameters).map(ObjectIdentifier.init), groups.flatMap(\.legacyNames)),
                                   uniquingKeysWith: { first, _ in first })
            return layer.parameters.map { (layer: layer.name, weight: names[ObjectIdentifier($0)] ?? $0.name) }
        }
        switch flavour {
        case .keras3:
            variables.append(Variable(name: "\(prefix)/iteration", shape: [], values: .integer(optimizer.iterations)))
            // Keras 3 keeps a rate variable only when no schedule gives the rate.
            if optimizer.learningRateSchedule == nil {
                variables.append(Variable(name: "\(prefix)/learning_rate", shape: [], values: .floats([optimizer.learningRate])))
            }
        case .keras2:
            variables.append(Variable(name: "iteration:0", shape: [], values: .integer(optimizer.iterations)))
        }
        for slot in optimizer.slots {
            let (layer, weight) = weights[slot.parameter]
            let name = flavour == .keras3
                ? "\(prefix)/\(model.name)_\(layer)_\(weight.replacingOccurrences(of: "/", with: "_"))_\(slot.name)"
                : "\(prefix)/\(optimizer.keras2SlotNames[slot.name] ?? slot.name)/\(layer)/\(weight):0"
            variables.append(Variable(name: name, shape: slot.shape, values: .slot(slot)))
        }
        // Keras 3's Nadam saves its momentum schedule's running product last; Keras 2's recomputes nothing.
        if flavour == .keras3, let nadam = optimizer as? Nadam {
            variables.append(Variable(name: "\(prefix)/variable", shape: [], values: .floats([nadam.momentumProduct])))
        }
        return variables
    }

    /// An optimizer carrying a file's stored state, or nil (with a notice) when the file has none, when it is
    /// an optimizer or setting this project does not have, or when its layout does not fit (like Keras, a
    /// mismatch only skips the optimizer state). Throws for values out of range (see ``OptimizerState``).
    /// With `readingSlots` false, everything is read and checked but the slots' values, which stay zero (the
    /// tools' file probe checks a file that way).
    public static func restore(_ stored: StoredOptimizer?, for model: Model, notices: inout [Notice], readingSlots: Bool = true) throws -> Optimizer? {
        guard let stored, !stored.variables.isEmpty else { return nil }
        let parameters = model.parameters
        let config = stored.config
        let className = stored.name ?? inferredClass(variableCount: stored.variables.count, parameterCount: parameters.count)
        let made = try make(className, config: config, parameters: parameters, file: stored.file, object: "\(stored.configObject) optimizer",
                            momentumWhenUnsaid: stored.variables.count > 2 ? 0.9 : 0)
        guard case .made(let optimizer) = made else {
            if case .unsupported(let what) = made { notices.append(.optimizerNotSupported(what)) }
            return nil
        }
        if config == nil { notices.append(.optimizerSettingsMissing(optimizer.className)) }
        let slots = optimizer.slots.count
        let nadam = optimizer as? Nadam
        var variables = stored.variables
        // Keras 3's Nadam stores its schedule's running product after the slots.
        // Keras 3 keeps the rate as a variable after the step count, unless a schedule gives it.
        let rateVariables = optimizer.learningRateSchedule == nil ? 1 : 0
        let storedProduct = nadam != nil && variables.count == 2 + rateVariables + slots && variables.last?.shape == [] ? variables.removeLast() : nil
        let keras3 = variables.count == 2 + slots && variables[1].shape.isEmpty
        let keras2 = variables.count == 1 + slots
        guard variables.first?.shape == [], keras3 || keras2 else {
            notices.append(.optimizerVariableCount(optimizer: optimizer.className, found: stored.variables.count, keras3: slots + 1 + rateVariables, keras2: slots + 1))
            return optimizer
        }
        let pairs = Array(zip(optimizer.slots, variables.suffix(slots)))
        if let (slot, variable) = pairs.first(where: { $0.0.shape != $0.1.shape }) {
            notices.append(.optimizerSlotShape(variable: variable.name, expected: slot.shape, found: variable.shape))
            return optimizer
        }
        func invalid(_ variable: StoredOptimizer.Variable, _ what: String, _ reason: String) -> KerasFormatError {
            KerasFormatError(file: stored.file, object: variable.path, .invalidValue(key: what, reason: reason))
        }
        optimizer.iterations = try stepCount(variables[0], invalid: invalid)
        if keras3, config?["learning_rate"] == nil, let rate = try variables[1].scalars().first {
            guard let learningRate = float32(rate, atLeast: 0) else {
                throw invalid(variables[1], "the learning rate", "must be a finite number, 0 or more, found \(describe(rate))")
            }
            optimizer.learningRate = learningRate
        }
        // The slots are read straight into the optimizer's memory, then checked there.
        if readingSlots {
            try WeightReading.read(pairs.map { WeightReading.Target(root: $0.1.root, path: $0.1.path, buffer: UnsafeMutableBufferPointer(start: $0.0.values, count: $0.0.count)) })
        }
        for (slot, variable) in pairs where readingSlots {
            let values = UnsafeMutableBufferPointer(start: slot.values, count: slot.count)
            let nonNegative = ["velocity", "velocity_hat"].contains(slot.name)
            if let index = firstInvalid(slot, nonNegative: nonNegative) {
                throw invalid(variable, "the \(slot.name)", "must be finite\(nonNegative ? " and 0 or more" : ""); "
                              + "value \(index) of \(values.count) is \(describe(Double(values[index])))")
            }
        }
        if let nadam {
            if let storedProduct, let product = try storedProduct.scalars().first {
                guard (0...1).contains(product) else {
                    throw invalid(storedProduct, "the momentum product", "must be in [0, 1], found \(describe(product))")
                }
                nadam.momentumProduct = Float(product)
            } else {
                nadam.recomputeMomentumProduct()
            }
        }
        return optimizer
    }

    /// The step count a variable holds, read as an integer whatever its stored type; a float must be a whole
    /// number. Refused outside 0...``maximumSteps``.
    private static func stepCount(_ variable: StoredOptimizer.Variable,
                                  invalid: (StoredOptimizer.Variable, String, String) -> KerasFormatError) throws -> Int64 {
        let integers = try variable.integers()
        let scalars = try variable.scalars()
        let count = integers?.first ?? scalars.first.flatMap { Int64(exactly: $0) } ?? -1
        guard (0...maximumSteps).contains(count) else {
            let found = integers?.first.map(String.init) ?? scalars.first.map(describe) ?? "nothing"
            throw invalid(variable, "the step count", "must be a whole number from 0 to 2^53, found \(found)")
        }
        return count
    }

    /// The optimizer class and settings a training config's or `compile_config`'s `optimizer` entry names: a
    /// serialised optimizer (`{"class_name": "Adam", "config": {...}}`), or a name (`"adam"`, as tf-keras keeps
    /// what `compile` was given), which means Keras's defaults. Nil when there is no entry.
    static func described(_ entry: JSONValue?) -> (className: String, config: JSONObject?)? {
        if let name = entry?.stringValue { return (name, JSONObject()) }
        guard let className = entry?["class_name"]?.stringValue else { return nil }
        return (WeightInventory.plainClassName(className), entry?["config"]?.objectValue)
    }

    /// A fresh optimizer as a `compile_config`'s `optimizer` entry in `file` describes it (see
    /// ``described(_:)``), over the model's parameters; nil when there is none, or (with a notice) when it is
    /// not one this project has. Throws for a setting out of range.
    public static func fresh(_ entry: JSONValue?, for model: Model, file: String, notices: inout [Notice]) throws -> Optimizer? {
        guard let (className, config) = described(entry) else { return nil }
        switch try make(className, config: config, parameters: model.parameters, file: file, object: "compile_config optimizer",
                        momentumWhenUnsaid: 0) {
        case .made(let optimizer): return optimizer
        case .unsupported(let what):
            notices.append(.optimizerNotSupported(what))
            return nil
        }
    }

    /// What a class name and config come to.
    private enum Made {
        case made(Optimizer)
        /// A class or setting this project does not apply, described.
        case unsupported(String)
    }

    /// The optimizer of `className` (any case) with the settings of `config`, Keras's defaults for the rest.
    /// Settings out of the range Keras gives them meaning are refused naming `object` in `file`.
    private static func make(_ className: String, config: JSONObject?, parameters: [Parameter], file: String, object: String,
                             momentumWhenUnsaid: Double) throws -> Made {
        let kind = className.lowercased()
        guard ["adam", "adamw", "nadam", "rmsprop", "sgd"].contains(kind) else { return .unsupported(className) }
        let settings = Settings(config: config ?? JSONObject(), file: file, object: "\(object) \(className)")
        if let what = settings.unappliedSetting() { return .unsupported("\(className) with \(what)") }
        var schedule: LearningRateSchedule?
        if let rate = config?["learning_rate"], rate.objectValue != nil {
            switch try ScheduleConfig.read(rate, file: file, object: "\(object) \(className)") {
            case .schedule(let read): schedule = read
            case .unsupported(let what): return .unsupported("\(className) with \(what)")
            }
        }
        let learningRate = try schedule.map { $0.rate(atStep: 0) }
            ?? settings.float("learning_rate", kind == "sgd" ? 0.01 : 0.001, .nonNegative)
        let made = try make(kind, settings: settings, parameters: parameters, learningRate: learningRate, momentumWhenUnsaid: momentumWhenUnsaid)
        made.learningRateSchedule = schedule
        return .made(made)
    }

    /// The optimizer of `kind` (a lower-case class name) with `settings`, Keras's defaults for the rest.
    private static func make(_ kind: String, settings: Settings, parameters: [Parameter], learningRate: Float,
                             momentumWhenUnsaid: Double) throws -> Optimizer {
        switch kind {
        case "adam", "adamw":
            let beta1 = try settings.float("beta_1", 0.9, .belowOne), beta2 = try settings.float("beta_2", 0.999, .belowOne)
            let epsilon = try settings.float("epsilon", 1e-7, .nonNegative), amsgrad = try settings.flag("amsgrad")
            guard kind == "adam" else {
                return Adam.adamW(parameters: parameters, learningRate: learningRate,
                                  weightDecay: try settings.float("weight_decay", 0.004, .nonNegative),
                                  beta1: beta1, beta2: beta2, epsilon: epsilon, amsgrad: amsgrad)
            }
            return Adam(parameters: parameters, learningRate: learningRate, beta1: beta1, beta2: beta2, epsilon: epsilon,
                        amsgrad: amsgrad, weightDecay: try settings.optionalFloat("weight_decay", .nonNegative))
        case "nadam":
            return Nadam(parameters: parameters, learningRate: learningRate, beta1: try settings.float("beta_1", 0.9, .belowOne),
                         beta2: try settings.float("beta_2", 0.999, .belowOne), epsilon: try settings.float("epsilon", 1e-7, .nonNegative))
        case "rmsprop":
            return RMSprop(parameters: parameters, learningRate: learningRate, rho: try settings.float("rho", 0.9, .belowOne),
                           momentum: try settings.float("momentum", 0, .unit), epsilon: try settings.float("epsilon", 1e-7, .nonNegative),
                           centered: try settings.flag("centered"))
        default:
            return SGD(parameters: parameters, learningRate: learningRate,
                       momentum: try settings.float("momentum", momentumWhenUnsaid, .unit), nesterov: try settings.flag("nesterov"))
        }
    }

    /// An optimizer config's settings, each checked against the range Keras gives it meaning.
    private struct Settings {
        /// Where a setting may lie.
        enum Range: String {
            case nonNegative = "a finite number, 0 or more"
            case belowOne = "in [0, 1)"
            case unit = "in [0, 1]"

            func contains(_ value: Float) -> Bool {
                switch self {
                case .nonNegative: value >= 0 && value.isFinite
                case .belowOne: value >= 0 && value < 1
                case .unit: value >= 0 && value <= 1
                }
            }
        }

        let config: JSONObject
        let file: String
        let object: String

        func invalid(_ key: String, _ reason: String) -> KerasFormatError {
            KerasFormatError(file: file, object: object, .invalidValue(key: key, reason: reason))
        }

        /// The setting as float32, `fallback` when it is missing or null.
        func float(_ key: String, _ fallback: Double, _ range: Range) throws -> Float {
            try optionalFloat(key, range) ?? Float(fallback)
        }

        /// The setting as float32, nil when it is missing or null.
        func optionalFloat(_ key: String, _ range: Range) throws -> Float? {
            guard let item = config[key], !item.isNull else { return nil }
            guard let number = item.doubleValue else { throw invalid(key, "must be a number, found \(item.pythonJSON)") }
            guard let value = float32(number, atLeast: nil), range.contains(value) else {
                throw invalid(key, "must be \(range.rawValue), found \(describe(number))")
            }
            return value
        }

        func flag(_ key: String) throws -> Bool {
            guard let item = config[key], !item.isNull else { return false }
            guard let flag = item.boolValue else { throw invalid(key, "must be true or false, found \(item.pythonJSON)") }
            return flag
        }

        /// The first Keras setting present that changes training and that this project does not apply:
        /// gradient clipping, an exponential moving average, gradient accumulation or loss scaling; nil when
        /// there is none.
        func unappliedSetting() -> String? {
            for key in ["clipnorm", "clipvalue", "global_clipnorm", "gradient_accumulation_steps"] {
                if let item = config[key], !item.isNull { return "\(key) \(item.pythonJSON)" }
            }
            if config["use_ema"]?.boolValue == true { return "use_ema" }
            if let scale = config["loss_scale_factor"], !scale.isNull { return "loss_scale_factor \(scale.pythonJSON)" }
            return nil
        }
    }

    /// The index of the first value of `slot` that is not finite or (when `nonNegative`) is negative. A slot
    /// holds millions of values and almost never an invalid one, so they are counted first, in vectorised loops.
    private static func firstInvalid(_ slot: OptimizerSlot, nonNegative: Bool) -> Int? {
        var negatives = 0
        // 32-bit counts vectorise best; a piece of 2^30 values cannot overflow one.
        for start in stride(from: 0, to: nonNegative ? slot.count : 0, by: 1 << 30) {
            var piece: Int32 = 0
            for value in UnsafeBufferPointer(start: slot.values + start, count: min(1 << 30, slot.count - start)) { piece &+= value < 0 ? 1 : 0 }
            negatives += Int(piece)
        }
        guard slot.nonFiniteCount > 0 || negatives > 0 else { return nil }
        return (0..<slot.count).first { !slot.values[$0].isFinite || (nonNegative && slot.values[$0] < 0) }
    }

    /// `value` as a finite float32, when it is one (and at least `minimum`, when given).
    private static func float32(_ value: Double, atLeast minimum: Float?) -> Float? {
        let single = Float(value)
        guard single.isFinite, minimum.map({ single >= $0 }) ?? true else { return nil }
        return single
    }

    /// A number as Python prints it in a message: `nan`, `inf`, `1e+300`.
    private static func describe(_ value: Double) -> String {
        value.isNaN ? "nan" : value.isInfinite ? (value < 0 ? "-inf" : "inf") : "\(value)"
    }

    /// Without a config: two slots per weight is Adam, one is SGD with momentum, none plain SGD.
    private static func inferredClass(variableCount: Int, parameterCount: Int) -> String {
        let slots = max(0, variableCount - 2)
        return slots == 2 * parameterCount && parameterCount > 0 ? "Adam" : "SGD"
    }
}
