import NeuralNet

/// A layer's `kernel_initializer` or `bias_initializer` entry, both ways: a name (`"he_normal"`) or a
/// serialised initializer (`{"class_name": "HeNormal", "config": {"seed": null}}`, `Constant` with its `value`).
/// The initializer only matters when a model is trained from its config; one this project lacks leaves the
/// layer's default, with a notice.
enum InitializerConfig {
    private static let byName: [String: Initializer] = [
        "zeros": .zeros, "ones": .ones, "glorot_uniform": .glorotUniform, "glorot_normal": .glorotNormal,
        "he_uniform": .heUniform, "he_normal": .heNormal, "lecun_uniform": .lecunUniform, "lecun_normal": .lecunNormal,
        "orthogonal": .orthogonal(gain: 1), "random_uniform": .randomUniform(minimum: -0.05, maximum: 0.05),
        "uniform": .randomUniform(minimum: -0.05, maximum: 0.05),
        "random_normal": .randomNormal(mean: 0, standardDeviation: 0.05),
        "truncated_normal": .truncatedNormal(mean: 0, standardDeviation: 0.05),
    ]

    /// Keras's class name of each name above.
    private static func className(_ name: String) -> String {
        name.split(separator: "_").map { $0.prefix(1).uppercased() + $0.dropFirst() }.joined()
    }

    /// The initializer `entry` names, nil when it is missing, not one this project has, or given a setting that
    /// is not a finite float32 (which would draw weights of NaN or infinity).
    static func initializer(_ entry: JSONValue?) -> Initializer? {
        if let name = entry?.stringValue { return byName[name] }
        guard let object = entry?.objectValue, let className = object["class_name"]?.stringValue else { return nil }
        let config = object["config"]?.objectValue ?? JSONObject()
        var usable = true
        func number(_ key: String, _ fallback: Float) -> Float {
            guard let item = config[key], !item.isNull else { return fallback }
            guard let value = item.doubleValue.map(Float.init), value.isFinite else {
                usable = false
                return fallback
            }
            return value
        }
        let initializer: Initializer? = switch className {
        case "Constant": .constant(number("value", 0))
        case "RandomUniform": .randomUniform(minimum: number("minval", -0.05), maximum: number("maxval", 0.05))
        case "RandomNormal": .randomNormal(mean: number("mean", 0), standardDeviation: number("stddev", 0.05))
        case "TruncatedNormal": .truncatedNormal(mean: number("mean", 0), standardDeviation: number("stddev", 0.05))
        case "Orthogonal": .orthogonal(gain: number("gain", 1))
        default: byName.first { Self.className($0.key) == className }?.value
        }
        return usable ? initializer : nil
    }

    /// The serialised form of `initializer`, as Keras writes it.
    static func json(_ initializer: Initializer) -> JSONValue {
        switch initializer {
        case .constant(let value): return .initializer("Constant", JSONObject([("value", .float(value))]))
        case .randomUniform(let minimum, let maximum):
            return .initializer("RandomUniform", JSONObject([("minval", .float(minimum)), ("maxval", .float(maximum)), ("seed", .null)]))
        case .randomNormal(let mean, let deviation):
            return .initializer("RandomNormal", JSONObject([("mean", .float(mean)), ("stddev", .float(deviation)), ("seed", .null)]))
        case .truncatedNormal(let mean, let deviation):
            return .initializer("TruncatedNormal", JSONObject([("mean", .float(mean)), ("stddev", .float(deviation)), ("seed", .null)]))
        case .orthogonal(let gain): return .initializer("Orthogonal", JSONObject([("gain", .float(gain)), ("seed", .null)]))
        case .zeros: return .initializer("Zeros")
        case .ones: return .initializer("Ones")
        default:
            let name = byName.first { $0.value == initializer }!.key
            return .initializer(className(name), JSONObject([("seed", .null)]))
        }
    }

    /// `kernel_initializer` and `bias_initializer` entries for a layer's two initializers.
    static func entries(kernel: Initializer, bias: Initializer) -> [(String, JSONValue)] {
        [("kernel_initializer", json(kernel)), ("bias_initializer", json(bias))]
    }
}
