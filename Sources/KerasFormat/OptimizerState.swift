import NeuralNet

/// Optimizer state in Keras's positional layouts, both ways: a Swift optimizer's variables as Keras stores
/// them, and a Swift optimizer rebuilt from a file's variables.
public enum OptimizerState {
    /// One stored optimizer variable.
    public struct Variable {
        /// A step count or an array of floats.
        public enum Values { case integer(Int64), floats([Float]) }
        /// The variable's name as Keras writes it.
        public let name: String
        /// Its shape.
        public let shape: [Int]
        /// Its values.
        public let values: Values
    }

    /// The variables in Keras 3's order (`iteration`, `learning_rate`, then each weight's slots, interleaved) or
    /// Keras 2's (`iteration`, then the slots), named as that Keras names them in a legacy `.h5`.
    public static func variables(of optimizer: Optimizer, model: Model, flavour: KerasFlavour) -> [Variable] {
        let prefix = optimizer.className
        var variables: [Variable] = []
        let weights = model.layers.flatMap { layer in layer.parameters.map { (layer: layer.name, weight: $0.name) } }
        switch flavour {
        case .keras3:
            variables.append(Variable(name: "\(prefix)/iteration", shape: [], values: .integer(optimizer.iterations)))
            variables.append(Variable(name: "\(prefix)/learning_rate", shape: [], values: .floats([optimizer.learningRate])))
        case .keras2:
            variables.append(Variable(name: "iteration:0", shape: [], values: .integer(optimizer.iterations)))
        }
        for slot in optimizer.slots {
            let (layer, weight) = weights[slot.parameter]
            let name = flavour == .keras3
                ? "\(prefix)/\(model.name)_\(layer)_\(weight)_\(slot.name)"
                : "\(prefix)/\(optimizer.keras2SlotNames[slot.name] ?? slot.name)/\(layer)/\(weight):0"
            variables.append(Variable(name: name, shape: slot.shape, values: .floats(slot.tensor.scalars)))
        }
        // Keras 3's Nadam saves its momentum schedule's running product last; Keras 2's recomputes nothing.
        if flavour == .keras3, let nadam = optimizer as? Nadam {
            variables.append(Variable(name: "\(prefix)/variable", shape: [], values: .floats([nadam.momentumProduct])))
        }
        return variables
    }

    /// An optimizer carrying a file's stored state, or nil (with a notice) when the file has none or its
    /// layout does not fit: like Keras, a mismatch only skips the optimizer state.
    public static func restore(_ stored: StoredOptimizer?, for model: Model, notices: inout [Notice]) -> Optimizer? {
        guard let stored, !stored.variables.isEmpty else { return nil }
        let parameters = model.parameters
        let config = stored.config
        let className = stored.name.map { $0.lowercased() }
            ?? inferredClass(variableCount: stored.variables.count, parameterCount: parameters.count)
        guard let optimizer = make(className, config: config, parameters: parameters,
                                   momentumWhenUnsaid: stored.variables.count > 2 ? 0.9 : 0) else {
            notices.append(.optimizerNotSupported(stored.name ?? "?"))
            return nil
        }
        if config == nil { notices.append(.optimizerSettingsMissing(optimizer.className)) }
        let slots = optimizer.slots.count
        let nadam = optimizer as? Nadam
        var variables = stored.variables
        // Keras 3's Nadam stores its schedule's running product after the slots.
        let storedProduct = nadam != nil && variables.count == 3 + slots && variables.last?.shape == [] ? variables.removeLast() : nil
        let keras3 = variables.count == 2 + slots && variables[1].shape.isEmpty
        let keras2 = variables.count == 1 + slots
        guard variables.first?.shape == [], keras3 || keras2 else {
            notices.append(.optimizerVariableCount(optimizer: optimizer.className, found: stored.variables.count, needed: slots + 2))
            return optimizer
        }
        let pairs = Array(zip(optimizer.slots, variables.suffix(slots)))
        if let (slot, variable) = pairs.first(where: { $0.0.shape != $0.1.shape }) {
            notices.append(.optimizerSlotShape(variable: variable.name, expected: slot.shape, found: variable.shape))
            return optimizer
        }
        optimizer.iterations = Int64(variables[0].values.first ?? 0)
        if keras3, config?["learning_rate"] == nil, let rate = variables[1].values.first { optimizer.learningRate = Float(rate) }
        for (slot, variable) in pairs {
            try? slot.assign(Tensor(shape: variable.shape, scalars: variable.values.map { Float($0) }))
        }
        if let nadam {
            if let product = storedProduct?.values.first { nadam.momentumProduct = Float(product) } else { nadam.recomputeMomentumProduct() }
        }
        return optimizer
    }

    /// The optimizer class and settings a training config's or `compile_config`'s `optimizer` entry names: a
    /// serialised optimizer (`{"class_name": "Adam", "config": {...}}`), or a name (`"adam"`, as tf-keras keeps
    /// what `compile` was given), which means Keras's defaults. Nil when there is no entry.
    static func described(_ entry: JSONValue?) -> (className: String, config: JSONObject?)? {
        if let name = entry?.stringValue { return (name, JSONObject()) }
        guard let className = entry?["class_name"]?.stringValue else { return nil }
        return (WeightInventory.plainClassName(className), entry?["config"]?.objectValue)
    }

    /// A fresh optimizer as a `compile_config`'s `optimizer` entry describes it (see ``described(_:)``), over
    /// the model's parameters; nil when there is none or it is not one this project has.
    public static func fresh(_ entry: JSONValue?, for model: Model) -> Optimizer? {
        guard let (className, config) = described(entry) else { return nil }
        return make(className.lowercased(), config: config, parameters: model.parameters, momentumWhenUnsaid: 0)
    }

    /// The optimizer of (lower-case) `className` with the settings of `config`, Keras's defaults for the rest;
    /// nil for a class this project lacks.
    private static func make(_ className: String, config: JSONObject?, parameters: [Parameter], momentumWhenUnsaid: Double) -> Optimizer? {
        let learningRate = Float(config?["learning_rate"]?.doubleValue ?? (className == "sgd" ? 0.01 : 0.001))
        func setting(_ key: String, _ fallback: Double) -> Float { Float(config?[key]?.doubleValue ?? fallback) }
        func flag(_ key: String) -> Bool { config?[key]?.boolValue ?? false }
        switch className {
        case "adam":
            return Adam(parameters: parameters, learningRate: learningRate, beta1: setting("beta_1", 0.9), beta2: setting("beta_2", 0.999),
                        epsilon: setting("epsilon", 1e-7), amsgrad: flag("amsgrad"),
                        weightDecay: config?["weight_decay"]?.doubleValue.map(Float.init))
        case "adamw":
            return Adam.adamW(parameters: parameters, learningRate: learningRate, weightDecay: setting("weight_decay", 0.004),
                              beta1: setting("beta_1", 0.9), beta2: setting("beta_2", 0.999), epsilon: setting("epsilon", 1e-7),
                              amsgrad: flag("amsgrad"))
        case "nadam":
            return Nadam(parameters: parameters, learningRate: learningRate, beta1: setting("beta_1", 0.9),
                         beta2: setting("beta_2", 0.999), epsilon: setting("epsilon", 1e-7))
        case "rmsprop":
            return RMSprop(parameters: parameters, learningRate: learningRate, rho: setting("rho", 0.9), momentum: setting("momentum", 0),
                           epsilon: setting("epsilon", 1e-7), centered: flag("centered"))
        case "sgd":
            return SGD(parameters: parameters, learningRate: learningRate, momentum: setting("momentum", momentumWhenUnsaid),
                       nesterov: flag("nesterov"))
        default:
            return nil
        }
    }

    /// Without a config: two slots per weight is Adam, one is SGD with momentum, none plain SGD.
    private static func inferredClass(variableCount: Int, parameterCount: Int) -> String {
        let slots = max(0, variableCount - 2)
        return slots == 2 * parameterCount && parameterCount > 0 ? "adam" : "sgd"
    }
}
