import NeuralNet

/// The `loss` entry of a training config (legacy `.h5`) or `compile_config` (`.keras`), both ways: a function
/// name (`"sparse_categorical_crossentropy"`, `"mse"`), or a serialised loss object
/// (`{"class_name": "SparseCategoricalCrossentropy", "config": {"from_logits": true, ...}}`), which is how
/// `from_logits` is recorded.
enum LossConfig {
    /// Why a loss entry cannot be honoured: a Keras loss or option this project does not have, or entries that
    /// do not fit the model's outputs.
    struct Unsupported: Error {
        /// The loss as the file names it, with the option at fault if any.
        let description: String
    }

    /// Each output's loss as `entry` names them: one loss for every output, a list in the outputs' order, or
    /// an object by output name; nil when it names none. Throws ``Unsupported`` for a loss or option this
    /// project does not have, and an error naming `source` for entries that do not give each output one loss.
    static func losses(_ entry: JSONValue?, outputNames: [String], source: CompileSettingsSource) throws -> [Loss]? {
        guard let entry, !entry.isNull else { return nil }
        return try perOutputEntries(entry, key: "loss", outputNames: outputNames, source: source).enumerated().map { index, item in
            guard let loss = try loss(item) else { throw Unsupported(description: "no loss for output \(outputNames[index])") }
            return loss
        }
    }

    /// Each output's weight in the total loss as a `loss_weights` entry gives them (a list, or an object by
    /// output name); nil when it gives none. Each must be a number that is finite as float32, as Keras scales
    /// the loss in float32; anything else is refused naming `source`.
    static func lossWeights(_ entry: JSONValue?, outputNames: [String], source: CompileSettingsSource) throws -> [Double]? {
        guard let entry, !entry.isNull else { return nil }
        guard entry.arrayValue != nil || entry.objectValue != nil else {
            throw source.invalid("loss_weights", "must be a list or a dict by output name, found \(entry.pythonJSON)")
        }
        return try perOutputEntries(entry, key: "loss_weights", outputNames: outputNames, source: source).enumerated().map { index, weight in
            guard let weight, !weight.isNull else {
                throw source.invalid("loss_weights", "gives no weight for output \(outputNames[index])")
            }
            guard let value = weight.doubleValue, Float(value).isFinite else {
                throw source.invalid("loss_weights", "must be finite numbers, found \(weight.pythonJSON) for output \(outputNames[index])")
            }
            return value
        }
    }

    /// Per output, its part of a list (in output order) or an object (by output name); anything else is the
    /// one entry of every output.
    private static func perOutputEntries(_ entry: JSONValue, key: String, outputNames: [String], source: CompileSettingsSource) throws -> [JSONValue?] {
        let outputs = outputNames.count == 1 ? "1 output (\(outputNames[0]))" : "\(outputNames.count) outputs (\(outputNames.joined(separator: ", ")))"
        if let items = entry.arrayValue {
            guard items.count == outputNames.count else {
                throw source.invalid(key, "lists \(items.count) entries for a model with \(outputs)")
            }
            return items
        }
        if let object = entry.objectValue, object["class_name"] == nil {
            if let stranger = object.members.first(where: { !outputNames.contains($0.key) }) {
                throw source.invalid(key, "names \(JSONValue.string(stranger.key).pythonJSON), which is not an output of the model's \(outputs)")
            }
            return outputNames.map { object[$0] }
        }
        return Array(repeating: entry, count: outputNames.count)
    }

    /// The one loss `entry` names; nil when there is none. Throws ``Unsupported`` for another loss or an option
    /// this project does not apply (`ignore_class`, another axis or reduction), or an option out of range.
    static func loss(_ entry: JSONValue?) throws -> Loss? {
        guard let entry, !entry.isNull else { return nil }
        if let name = entry.stringValue {
            guard let kind = Loss.Kind(kerasName: name) else { throw Unsupported(description: name) }
            return Loss(kind)
        }
        guard let object = entry.objectValue, let className = object["class_name"]?.stringValue else {
            throw Unsupported(description: entry.pythonJSON)
        }
        // Keras 3 writes a loss function (rather than an object) as {"class_name": "function", "config": name}.
        if className == "function", let name = object["config"]?.stringValue { return try loss(.string(name)) }
        let plain = className.split(separator: ">").last.map(String.init) ?? className
        guard let kind = Loss.Kind.allCases.first(where: { $0.kerasClassName == plain }) else { throw Unsupported(description: className) }
        let config = object["config"]?.objectValue ?? JSONObject()
        if let ignored = config["ignore_class"], !ignored.isNull { throw Unsupported(description: "\(className) with ignore_class") }
        if let axis = config["axis"]?.intValue, axis != -1 { throw Unsupported(description: "\(className) with axis \(axis)") }
        if let reduction = config["reduction"]?.stringValue, !["auto", "sum_over_batch_size"].contains(reduction) {
            throw Unsupported(description: "\(className) with reduction \(reduction)")
        }
        func number(_ key: String, _ fallback: Float, in range: ClosedRange<Float>) throws -> Float {
            guard let item = config[key], !item.isNull else { return fallback }
            guard let value = item.doubleValue.map(Float.init), value.isFinite, range.contains(value) else {
                throw Unsupported(description: "\(className) with \(key) \(item.pythonJSON) (a number in \(range) is needed)")
            }
            return value
        }
        return Loss(kind, fromLogits: config["from_logits"]?.boolValue ?? false,
                    labelSmoothing: try number("label_smoothing", 0, in: 0...1), delta: try number("delta", 1, in: 0...Float.greatestFiniteMagnitude),
                    gamma: try number("gamma", 2, in: 0...Float.greatestFiniteMagnitude), alpha: try number("alpha", 0.25, in: 0...1),
                    applyClassBalancing: config["apply_class_balancing"]?.boolValue ?? false)
    }

    /// The losses a training config's `loss` entry names and the weights its `loss_weights` gives, set on
    /// `model` when this project has them; otherwise a notice is added to `notices` and the unsupported loss's
    /// description returned in `unsupported`. Throws, naming `source`, for entries that do not fit the
    /// model's outputs or weights that are not finite.
    static func apply(_ entry: JSONValue?, weights: JSONValue?, to model: Model, source: CompileSettingsSource, notices: inout [Notice])
        throws -> (losses: [Loss]?, unsupported: String?) {
        let weights = try lossWeights(weights, outputNames: model.outputNames, source: source)
        do {
            guard let losses = try losses(entry, outputNames: model.outputNames, source: source) else { return (nil, nil) }
            try model.setLosses(losses, weights: weights)
            return (losses, nil)
        } catch let unsupported as Unsupported {
            notices.append(.lossNotSupported(unsupported.description))
            return (nil, unsupported.description)
        }
    }

    /// The `loss` and `loss_weights` entries of `model` as `flavour` writes them: one loss, or a list of one
    /// per output; null weights when every one is 1.
    static func json(_ model: Model, flavour: KerasFlavour) -> (loss: JSONValue, weights: JSONValue) {
        let losses = model.losses.map { json($0, flavour: flavour) }
        let weights: JSONValue = model.lossWeights.allSatisfy { $0 == 1 } ? .null : .array(model.lossWeights.map { .double($0) })
        return (losses.count == 1 ? losses[0] : .array(losses), weights)
    }

    /// The `loss` entry for `loss` as `flavour` writes it: the function name, or the loss object when it has
    /// options other than Keras's defaults.
    static func json(_ loss: Loss, flavour: KerasFlavour) -> JSONValue {
        guard loss != Loss(loss.kind) else { return .string(loss.kind.rawValue) }
        var config = JSONObject([("name", .string(loss.kind.rawValue)),
                                 ("reduction", .string(flavour == .keras3 ? "sum_over_batch_size" : "auto"))])
        switch loss.kind {
        case .sparseCategoricalCrossentropy:
            config["from_logits"] = .bool(loss.fromLogits)
            config["ignore_class"] = .null
        case .categoricalCrossentropy, .binaryCrossentropy, .binaryFocalCrossentropy:
            config["from_logits"] = .bool(loss.fromLogits)
            config["label_smoothing"] = .float(loss.labelSmoothing)
            config["axis"] = .int(-1)
            if loss.kind == .binaryFocalCrossentropy {
                config["apply_class_balancing"] = .bool(loss.applyClassBalancing)
                config["alpha"] = .float(loss.alpha)
                config["gamma"] = .float(loss.gamma)
            }
        case .huber:
            config["delta"] = .float(loss.delta)
        default:
            break
        }
        let className = loss.kind.kerasClassName
        guard flavour == .keras3 else {
            return .object(JSONObject([("class_name", .string(className)), ("config", .object(config))]))
        }
        return .object(JSONObject([("module", .string("keras.losses")), ("class_name", .string(className)),
                                   ("config", .object(config)), ("registered_name", .null)]))
    }
}
