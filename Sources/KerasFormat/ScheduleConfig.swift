import NeuralNet

/// A learning-rate schedule as an optimizer config's `learning_rate` holds it:
/// `{"class_name": "ExponentialDecay", "config": {"initial_learning_rate": 0.01, ...}}`, with Keras 3's
/// `module` and `registered_name` beside them.
enum ScheduleConfig {
    /// What a `learning_rate` object comes to: a schedule, or a class this project does not apply.
    enum Read {
        case schedule(LearningRateSchedule)
        case unsupported(String)
    }

    /// The schedule `value` describes; settings outside the range Keras gives them meaning are refused naming
    /// `object` in `file`.
    static func read(_ value: JSONValue, file: String, object: String) throws -> Read {
        let className = WeightInventory.plainClassName(value["class_name"]?.stringValue ?? "")
        let config = value["config"]?.objectValue ?? JSONObject()
        let what = "\(object) learning-rate schedule \(className)"
        func number(_ key: String, _ fallback: Double? = nil, positive: Bool = false) throws -> Double {
            guard let item = config[key], !item.isNull else {
                guard let fallback else { throw KerasFormatError(file: file, object: what, .invalidValue(key: key, reason: "is missing")) }
                return fallback
            }
            guard let number = item.doubleValue, number.isFinite, positive ? number > 0 : number >= 0 else {
                throw KerasFormatError(file: file, object: what, .invalidValue(key: key, reason: "must be a finite number\(positive ? " above 0" : ", 0 or more"), found \(item.pythonJSON)"))
            }
            return number
        }
        func numbers(_ key: String) throws -> [Double] {
            guard let items = config[key]?.arrayValue, !items.isEmpty, items.allSatisfy({ $0.doubleValue?.isFinite ?? false }) else {
                throw KerasFormatError(file: file, object: what, .invalidValue(key: key, reason: "must be a list of numbers"))
            }
            return items.compactMap(\.doubleValue)
        }
        let staircase = config["staircase"]?.boolValue ?? false
        switch className {
        case "ExponentialDecay":
            return .schedule(.exponentialDecay(initial: try number("initial_learning_rate"), decaySteps: try number("decay_steps", positive: true),
                                               decayRate: try number("decay_rate"), staircase: staircase))
        case "InverseTimeDecay":
            return .schedule(.inverseTimeDecay(initial: try number("initial_learning_rate"), decaySteps: try number("decay_steps", positive: true),
                                               decayRate: try number("decay_rate"), staircase: staircase))
        case "PiecewiseConstantDecay":
            let boundaries = try numbers("boundaries"), values = try numbers("values")
            guard values.count == boundaries.count + 1, zip(boundaries, boundaries.dropFirst()).allSatisfy({ $0 < $1 }),
                  values.allSatisfy({ $0 >= 0 }) else {
                throw KerasFormatError(file: file, object: what, .invalidValue(key: "values", reason: "must be one more than the rising boundaries, each 0 or more"))
            }
            return .schedule(.piecewiseConstant(boundaries: boundaries, values: values))
        case "CosineDecay":
            let target = config["warmup_target"].flatMap { $0.isNull ? nil : $0 }
            return .schedule(.cosineDecay(initial: try number("initial_learning_rate"), decaySteps: try number("decay_steps", positive: true),
                                          alpha: try number("alpha", 0), warmupTarget: try target.map { _ in try number("warmup_target") },
                                          warmupSteps: try number("warmup_steps", 0)))
        default:
            return .unsupported("learning-rate schedule \(className.isEmpty ? value.pythonJSON : className)")
        }
    }

    /// `schedule` as `flavour`'s optimizer config writes it: Keras 3 with its module, tf-keras without.
    static func json(_ schedule: LearningRateSchedule, flavour: KerasFlavour) -> JSONValue {
        func plain(_ value: Double) -> JSONValue { value.rounded() == value && abs(value) < 1e15 ? .int(Int(value)) : .double(value) }
        var config: [(String, JSONValue)]
        switch schedule {
        case .exponentialDecay(let initial, let steps, let rate, let staircase), .inverseTimeDecay(let initial, let steps, let rate, let staircase):
            config = [("initial_learning_rate", .double(initial)), ("decay_steps", plain(steps)), ("decay_rate", .double(rate)),
                      ("staircase", .bool(staircase))]
        case .piecewiseConstant(let boundaries, let values):
            config = [("boundaries", .array(boundaries.map(plain))), ("values", .array(values.map { .double($0) }))]
        case .cosineDecay(let initial, let steps, let alpha, let target, let warmupSteps):
            config = [("initial_learning_rate", .double(initial)), ("decay_steps", plain(steps)), ("alpha", .double(alpha)),
                      ("warmup_target", target.map { .double($0) } ?? .null), ("warmup_steps", plain(warmupSteps))]
        }
        config.append(("name", .string(schedule.className)))
        let body: [(String, JSONValue)] = [("class_name", .string(schedule.className)), ("config", .object(JSONObject(config)))]
        guard flavour == .keras3 else { return .object(JSONObject(body)) }
        return .object(JSONObject([("module", .string("keras.optimizers.schedules"))] + body + [("registered_name", .null)]))
    }
}
