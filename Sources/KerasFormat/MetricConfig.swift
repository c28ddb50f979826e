import NeuralNet

/// The `metrics` and `weighted_metrics` entries of a training config (legacy `.h5`) or `compile_config`
/// (`.keras`), both ways. Each entry is one list for a model with one output; for several, a list per output
/// (in the outputs' order) or an object by output name. A metric is a name (`"accuracy"`, `"mae"`, `"AUC"`), a
/// serialised metric object (`{"class_name": "AUC", "config": {"num_thresholds": 100, ...}}`), or as Keras 2
/// writes a metric function, a `MeanMetricWrapper` of it (`"fn": "sparse_categorical_accuracy"`).
enum MetricConfig {
    /// The most metrics a model's entries may list, over all outputs (each costs a pass over the outputs).
    static let maximumCount = 1024

    /// Each output's metrics as the two entries give them, unweighted first; a metric this project does not
    /// compute is left out with a notice. Throws, naming `source`, for entries that do not fit the outputs.
    /// Keras 2 names each metric of a model with several outputs after its output (`main_accuracy`), as it
    /// reports it: `kerasVersion` says whether the entries are Keras 2's, whose names then lose that prefix.
    static func metrics(_ entry: JSONValue?, weighted: JSONValue?, outputNames: [String], source: CompileSettingsSource,
                        kerasVersion: String?, notices: inout [Notice]) throws -> [[Metric]] {
        let plain = try perOutput(entry, key: "metrics", outputNames: outputNames, source: source)
        let weightedLists = try perOutput(weighted, key: "weighted_metrics", outputNames: outputNames, source: source)
        let count = (plain + weightedLists).reduce(0) { $0 + $1.count }
        guard count <= maximumCount else {
            throw source.invalid("metrics", "lists \(count) metrics; at most \(maximumCount) are read")
        }
        let keras2 = outputNames.count > 1 && kerasVersion?.hasPrefix("2.") == true
        return try zip(outputNames, zip(plain, weightedLists)).map { outputName, lists in
            try (lists.0.map { ($0, false) } + lists.1.map { ($0, true) }).compactMap { item, isWeighted in
                do {
                    return try metric(item, weighted: isWeighted, namePrefix: keras2 ? outputName + "_" : "")
                } catch let error as KerasNameError {
                    notices.append(.metricNotSupported(error.description))
                    return nil
                }
            }
        }
    }

    /// Per output, the items of its list.
    private static func perOutput(_ entry: JSONValue?, key: String, outputNames: [String], source: CompileSettingsSource) throws -> [[JSONValue]] {
        let none = Array(repeating: [JSONValue](), count: outputNames.count)
        guard let entry, !entry.isNull else { return none }
        func list(_ value: JSONValue?) -> [JSONValue] {
            guard let value, !value.isNull else { return [] }
            return value.arrayValue ?? [value]
        }
        if outputNames.count == 1 {
            // Keras flattens whatever structure a single output's metrics come in.
            func flatten(_ value: JSONValue) -> [JSONValue] {
                if let items = value.arrayValue { return items.flatMap(flatten) }
                if let object = value.objectValue, object["class_name"] == nil { return object.members.flatMap { flatten($0.value) } }
                return value.isNull ? [] : [value]
            }
            return [flatten(entry)]
        }
        if let items = entry.arrayValue {
            guard items.count == outputNames.count else {
                throw source.invalid(key, "lists \(items.count) entries for a model with \(outputNames.count) outputs "
                                     + "(\(outputNames.joined(separator: ", ")))")
            }
            return items.map(list)
        }
        if let object = entry.objectValue, object["class_name"] == nil {
            if let stranger = object.members.first(where: { !outputNames.contains($0.key) }) {
                throw source.invalid(key, "names \(JSONValue.string(stranger.key).pythonJSON), which is not an output of the model")
            }
            return outputNames.map { list(object[$0]) }
        }
        throw source.invalid(key, "must be a list per output or a dict by output name for a model with \(outputNames.count) outputs")
    }

    /// The metric an item names: a string, as ``Metric/init(kerasName:weighted:)`` resolves it, or a metric
    /// object with its options. Throws `KerasNameError` for a metric or option this project does not have.
    /// `namePrefix` is taken off the name of a metric object that starts with it.
    static func metric(_ item: JSONValue, weighted: Bool, namePrefix: String = "") throws -> Metric {
        if let name = item.stringValue { return try Metric(kerasName: name, weighted: weighted) }
        guard let object = item.objectValue, let className = object["class_name"]?.stringValue else {
            throw KerasNameError(description: "metric \(item.pythonJSON) is neither a name nor a metric object")
        }
        if className == "function", let name = object["config"]?.stringValue { return try Metric(kerasName: name, weighted: weighted) }
        let plain = className.split(separator: ">").last.map(String.init) ?? className
        var config = object["config"]?.objectValue ?? JSONObject()
        if !namePrefix.isEmpty, let name = config["name"]?.stringValue, name.hasPrefix(namePrefix), name.count > namePrefix.count {
            config["name"] = .string(String(name.dropFirst(namePrefix.count)))
        }
        let defaults: Metric.Kind
        if plain == "MeanMetricWrapper", let function = config["fn"]?.stringValue {
            // Keras 2 writes a metric function as a MeanMetricWrapper of it, with the function's options; and
            // "accuracy" as the function it resolved it to, which the shapes resolve it to again.
            let name = config["name"]?.stringValue ?? function
            let functions = accuracyFunctions
            if ["accuracy", "acc"].contains(name), [functions.binary, functions.sparse, functions.categorical].contains(function) {
                return Metric(.accuracy, name: name, weighted: weighted)
            }
            defaults = try Metric(kerasName: function).kind
        } else if let kind = Metric.classes.first(where: { $0.name == plain })?.kind {
            defaults = kind
        } else if Metric.unsupportedClasses.contains(plain) {
            throw KerasNameError(description: "Keras's metric \(plain) is not supported (supported: \(Metric.supportedNames))")
        } else {
            throw KerasNameError(description: "Keras has no metric \(className)")
        }
        func refuse(_ option: String) -> KerasNameError {
            KerasNameError(description: "metric \(className) with \(option) \(config[option]?.pythonJSON ?? "") is not supported")
        }
        func number(_ key: String, _ fallback: Float, in range: ClosedRange<Float> = 0...1) throws -> Float {
            guard let item = config[key], !item.isNull else { return fallback }
            guard let value = item.doubleValue.map(Float.init), range.contains(value) else { throw refuse(key) }
            return value
        }
        func bool(_ key: String) -> Bool { config[key]?.boolValue ?? false }
        /// Precision's and the confusion counts' one threshold: a number or a list of one.
        func threshold() throws -> Float {
            if let items = config["thresholds"]?.arrayValue {
                guard items.count == 1, let value = items[0].doubleValue, (0...1).contains(value) else { throw refuse("thresholds") }
                return Float(value)
            }
            return try number("thresholds", 0.5)
        }
        for key in ["top_k", "class_id", "label_weights", "ignore_class"] where !(config[key]?.isNull ?? true) { throw refuse(key) }
        if let axis = config["axis"]?.intValue, axis != -1 { throw refuse("axis") }
        if bool("multi_label") { throw refuse("multi_label") }
        if bool("from_sorted_ids") { throw refuse("from_sorted_ids") }
        let kind: Metric.Kind
        switch defaults {
        case .binaryAccuracy: kind = .binaryAccuracy(threshold: try number("threshold", 0.5))
        case .topKCategoricalAccuracy, .sparseTopKCategoricalAccuracy:
            let k: Int? = config["k"].map { $0.isNull ? 5 : $0.intValue } ?? 5
            guard let k, (1...(1 << 20)).contains(k) else { throw refuse("k") }
            kind = defaults == .topKCategoricalAccuracy(k: 5) ? .topKCategoricalAccuracy(k: k) : .sparseTopKCategoricalAccuracy(k: k)
        case .mean(let loss) where loss.kind.takesLogits:
            kind = .mean(of: Loss(loss.kind, fromLogits: bool("from_logits"), labelSmoothing: try number("label_smoothing", 0)))
        case .precision: kind = .precision(threshold: try threshold())
        case .recall: kind = .recall(threshold: try threshold())
        case .truePositives: kind = .truePositives(threshold: try threshold())
        case .falsePositives: kind = .falsePositives(threshold: try threshold())
        case .trueNegatives: kind = .trueNegatives(threshold: try threshold())
        case .falseNegatives: kind = .falseNegatives(threshold: try threshold())
        case .auc: kind = .auc(try aucOptions(config, refuse: refuse))
        default: kind = defaults
        }
        return Metric(kind, name: config["name"]?.stringValue ?? config["fn"]?.stringValue, weighted: weighted)
    }

    /// AUC's options from its config.
    private static func aucOptions(_ config: JSONObject, refuse: (String) -> KerasNameError) throws -> Metric.AUCOptions {
        var thresholds: [Float]?
        if let items = config["thresholds"]?.arrayValue {
            thresholds = try items.map { item in
                guard let value = item.doubleValue, (0...1).contains(value) else { throw refuse("thresholds") }
                return Float(value)
            }
            guard thresholds!.count <= 1 << 16 else { throw refuse("thresholds") }
        }
        var count = 200
        if let item = config["num_thresholds"], !item.isNull {
            guard let value = item.intValue, (2...(1 << 16)).contains(value) else { throw refuse("num_thresholds") }
            count = value
        }
        guard let curve = Metric.AUCOptions.Curve(rawValue: (config["curve"]?.stringValue ?? "ROC").uppercased()) else { throw refuse("curve") }
        guard let summation = Metric.AUCOptions.Summation(rawValue: config["summation_method"]?.stringValue ?? "interpolation") else {
            throw refuse("summation_method")
        }
        return Metric.AUCOptions(thresholdCount: count, thresholds: thresholds, curve: curve, summation: summation,
                                 fromLogits: config["from_logits"]?.boolValue ?? false)
    }

    /// The Keras 2 functions `"accuracy"` resolves to: for an output of one value per row, for class-index
    /// targets, and otherwise.
    private static let accuracyFunctions = (binary: "binary_accuracy", sparse: "sparse_categorical_accuracy",
                                            categorical: "categorical_accuracy")

    /// The `metrics` and `weighted_metrics` entries for `model`'s metrics: a list for one output, a list per
    /// output for several; null when there are none.
    /// Where metrics are written: a `.keras` archive's compile config, or a legacy `.h5`'s training config of
    /// either flavour.
    enum Form {
        case archive, legacy(KerasFlavour)

        /// The Keras the form is read by.
        var flavour: KerasFlavour {
            if case .legacy(let flavour) = self { return flavour }
            return .keras3
        }
    }

    static func json(_ model: Model, form: Form) -> (metrics: JSONValue, weighted: JSONValue) {
        let flavour = form.flavour
        func entry(weighted: Bool) -> JSONValue {
            let lists = model.metrics.indices.map { index in
                let plainNames = Set(model.metrics[index].filter { !$0.weighted }.map(\.name))
                // tf-keras saves the names it reports: a weighted metric whose name is taken renamed, and for
                // several outputs each after its output's name.
                let prefix = flavour == .keras2 && model.outputs.count > 1 ? model.outputNames[index] + "_" : ""
                return model.metrics[index].filter { $0.weighted == weighted }.map { metric in
                    let renamed = flavour == .keras2 && weighted && plainNames.contains(metric.name)
                    let named = Metric(metric.kind, name: prefix + (renamed ? "weighted_" : "") + metric.name, weighted: metric.weighted)
                    return json(named, form: form, outputWidth: model.outputShapes[index].last ?? 1,
                                classIndices: model.losses[index].takesClassIndices)
                }
            }
            guard lists.contains(where: { !$0.isEmpty }) else { return .null }
            return lists.count == 1 ? .array(lists[0]) : .array(lists.map { .array($0) })
        }
        return (entry(weighted: false), entry(weighted: true))
    }

    /// One metric of an output of `outputWidth` values per row, whose targets are class indices or not, as
    /// `form` lists it. Keras 3 gets `"accuracy"` (or `"acc"`) as it is, and in an archive a metric by name
    /// when Keras makes this very metric of that name; tf-keras gets accuracy as the function it resolves to,
    /// in a MeanMetricWrapper of the metric's name as tf-keras writes it. Every other metric is written as its
    /// object, with its options and name: Keras 3's legacy loader would name a metric given by name after its
    /// class (`"mse"` as `mean_squared_error`).
    static func json(_ metric: Metric, form: Form, outputWidth: Int, classIndices: Bool) -> JSONValue {
        let flavour = form.flavour
        if metric.kind == .accuracy {
            guard flavour == .keras2 else { return .string(["accuracy", "acc"].contains(metric.name.lowercased()) ? metric.name : "accuracy") }
            let name = metric.name
            let function = outputWidth == 1 ? accuracyFunctions.binary : classIndices ? accuracyFunctions.sparse : accuracyFunctions.categorical
            var config = JSONObject([("name", .string(name)), ("dtype", .string("float32")), ("fn", .string(function))])
            if outputWidth == 1 { config["threshold"] = .double(0.5) }
            return .object(JSONObject([("class_name", .string("MeanMetricWrapper")), ("config", .object(config))]))
        }
        // Keras 3 resolves more names than tf-keras ("bce", "kl_divergence", "log_cosh_error"); tf-keras gets the
        // metric object, whose classes it has, named as the metric is.
        if case .archive = form, let byName = try? Metric(kerasName: metric.name, weighted: metric.weighted), byName == metric {
            return .string(metric.name)
        }
        var config = JSONObject([("name", .string(metric.name)), ("dtype", .string("float32"))])
        let kind = metric.kind
        switch kind {
        case .binaryAccuracy(let threshold): config["threshold"] = .float(threshold)
        case .topKCategoricalAccuracy(let k), .sparseTopKCategoricalAccuracy(let k): config["k"] = .int(k)
        case .mean(let loss) where loss.kind == .sparseCategoricalCrossentropy:
            config["from_logits"] = .bool(loss.fromLogits)
            config["axis"] = .int(-1)
        case .mean(let loss) where loss.kind.takesLogits:
            config["from_logits"] = .bool(loss.fromLogits)
            config["label_smoothing"] = .float(loss.labelSmoothing)
            if loss.kind == .categoricalCrossentropy { config["axis"] = .int(-1) }
        case .cosineSimilarity: config["axis"] = .int(-1)
        case .precision(let t), .recall(let t), .truePositives(let t), .falsePositives(let t), .trueNegatives(let t),
             .falseNegatives(let t):
            config["thresholds"] = .float(t)
            if [.precision(threshold: t), .recall(threshold: t)].contains(kind) {
                config["top_k"] = .null
                config["class_id"] = .null
            }
        case .auc(let options):
            config["num_thresholds"] = .int(options.thresholdCount)
            config["curve"] = .string(options.curve.rawValue)
            config["summation_method"] = .string(options.summation.rawValue)
            config["multi_label"] = .bool(false)
            config["num_labels"] = .null
            config["label_weights"] = .null
            config["from_logits"] = .bool(options.fromLogits)
            if let thresholds = options.thresholds { config["thresholds"] = .array(thresholds.map { .float($0) }) }
        default: break
        }
        let className = Metric.classes.first { $0.kind.sameClass(as: kind) }!.name
        guard case .archive = form else { return .object(JSONObject([("class_name", .string(className)), ("config", .object(config))])) }
        return .object(JSONObject([("module", .string("keras.metrics")), ("class_name", .string(className)),
                                   ("config", .object(config)), ("registered_name", .null)]))
    }
}

private extension Metric.Kind {
    /// Whether both are of one Keras class, whatever their options.
    func sameClass(as other: Metric.Kind) -> Bool {
        switch (self, other) {
        case (.binaryAccuracy, .binaryAccuracy), (.topKCategoricalAccuracy, .topKCategoricalAccuracy),
             (.sparseTopKCategoricalAccuracy, .sparseTopKCategoricalAccuracy), (.precision, .precision), (.recall, .recall),
             (.truePositives, .truePositives), (.falsePositives, .falsePositives), (.trueNegatives, .trueNegatives),
             (.falseNegatives, .falseNegatives), (.auc, .auc):
            return true
        case (.mean(let a), .mean(let b)): return a.kind == b.kind
        default: return self == other
        }
    }
}

extension Metric {
    /// The metric a Keras compile config lists: a name (`"mae"`) or a serialised metric object
    /// (`{"class_name": "AUC", "config": {...}}`), weighted when it is one of the `weighted_metrics`. Throws
    /// `KerasNameError` for a metric or option this project does not have.
    public init(kerasConfig: JSONValue, weighted: Bool = false) throws {
        self = try MetricConfig.metric(kerasConfig, weighted: weighted)
    }
}
