import NeuralNet

/// What a config key gets when it holds a value this project cannot honour.
enum UnsupportedValue: Sendable {
    /// The config is refused, naming the key and the value.
    case refusal
    /// The layer is built without the setting and the builder tells the user (regularizers, constraints,
    /// initializers this project lacks).
    case notice
    /// Accepted silently: the setting changes nothing here (a dropout's seed).
    case ignored
}

/// One key of a Keras layer class's config, declared once in the class's codec: its name (and Keras 2's, where
/// that differs), its default, how its value reads and writes (``ValueCoding``), the layer property it writes
/// from and that reading fills, and what an unsupported value gets.
///
/// Keys bound to a layer property are looked up by that property when the codec builds the layer
/// (`try settings[\.units]`); fixed keys (`data_format`, regularizers) have no property and only police the
/// config. The codec's list of keys is also the order in which they are written.
struct ConfigKey<CodedLayer: Layer>: @unchecked Sendable {  // key paths are immutable; the closures are @Sendable
    /// The key as Keras 3 writes it.
    let name: String
    /// The layer property the key holds, when it holds one.
    let keyPath: AnyKeyPath?
    /// The key's value (its default when missing or null), or an unsupported value's notice or refusal.
    let decode: @Sendable (LayerConfigReader) throws -> Decoded
    /// The key and value the layer's config carries in `flavour`, or nil for a key that is only read.
    let encode: @Sendable (CodedLayer, KerasFlavour) -> (String, JSONValue)?

    /// What reading one key found.
    enum Decoded {
        /// The value to build the layer with.
        case value(Any)
        /// Nothing the layer needs.
        case nothing
        /// A setting the layer is built without (its default, if it holds a property), for a notice.
        case ignored(default: Any?)
        /// A wrapped layer, and the keys of its own config it is built without.
        case wrapped(Layer, ignoredKeys: [String])
    }

    /// A key holding the layer property `keyPath`, in Keras 3's `name` (and Keras 2's `keras2Name`, read
    /// from either flavour's files and written in Keras 2's). Missing or null, it takes `defaultValue`, or is
    /// refused as missing without one; a value `coding` cannot honour is refused, or for codings that allow
    /// it (initializers) gets a notice and the default. Written unless `writtenIn` says not for the value
    /// and flavour (Keras 2 writes some keys only when they are set).
    init<Value>(_ name: String, keras2Name: String? = nil, _ keyPath: KeyPath<CodedLayer, Value>, _ coding: ValueCoding<Value>,
                default defaultValue: Value? = nil, writtenIn: (@Sendable (Value, KerasFlavour) -> Bool)? = nil) {
        self.name = name
        self.keyPath = keyPath
        // Key paths and defaults are immutable values (tuples, enums, arrays of them).
        nonisolated(unsafe) let keyPath = keyPath, defaultValue = defaultValue
        decode = { reader in
            let key = keras2Name.flatMap { reader.config[name] == nil && reader.config[$0] != nil ? $0 : nil } ?? name
            guard let item = reader.config[key], !item.isNull || coding.readsNull else {
                guard let defaultValue else { throw reader.invalid(key, "is missing") }
                return .value(defaultValue)
            }
            guard let value = try coding.read(item, KeyContext(reader: reader, key: key)) else {
                guard let defaultValue else { throw reader.unsupported("\(key) \(item.pythonJSON)") }
                return .ignored(default: defaultValue)
            }
            return .value(value)
        }
        encode = { layer, flavour in
            let value = layer[keyPath: keyPath]
            guard writtenIn?(value, flavour) ?? true else { return nil }
            return (flavour == .keras2 ? keras2Name ?? name : name, coding.write(value, flavour))
        }
    }

    /// A key holding the optional layer property `keyPath`: nil when missing or null, and written as null.
    init<Wrapped>(optional name: String, _ keyPath: KeyPath<CodedLayer, Wrapped?>, _ coding: ValueCoding<Wrapped>) {
        self.init(name, keyPath, .optional(coding), default: .some(nil))
    }

    /// A key holding the layer `keyPath` wraps (TimeDistributed's `layer`), serialised as Keras serialises a
    /// layer (`{"class_name": ..., "config": {...}}`) and read and written through its class's codec. Keys
    /// the wrapped layer is built without get notices as `<key>.<its key>`; a layer of a class other than
    /// `Wrapped` is refused, saying what is wrapped (`kind`).
    ///
    /// `serialised` finds the serialised layer in the config (by default the key's value; Bidirectional makes
    /// a missing `backward_layer` from `layer`); `writtenName` gives the name its config carries in each
    /// flavour's files (by default its own).
    init<Wrapped>(wrapped name: String, _ keyPath: KeyPath<CodedLayer, Wrapped>, kind: String = "a layer of one input",
                  serialised: (@Sendable (JSONObject) -> JSONValue?)? = nil,
                  writtenName: (@Sendable (String, KerasFlavour) -> String)? = nil) {
        self.name = name
        self.keyPath = keyPath
        nonisolated(unsafe) let keyPath = keyPath
        decode = { reader in
            guard let item = serialised.map({ $0(reader.config) }) ?? reader.config[name], let className = item["class_name"]?.stringValue,
                  let config = item["config"]?.objectValue else {
                throw reader.invalid(name, "must be a serialised layer ({\"class_name\": ..., \"config\": {...}})")
            }
            guard let wrappedName = config["name"]?.stringValue else { throw reader.invalid(name, "has no name") }
            let wrappedReader = reader.wrapped(config, named: wrappedName)
            guard let (layer, ignoredKeys) = try LayerCodecs.layer(className: className, config: wrappedReader) else {
                throw KerasFormatError(file: reader.file, object: wrappedReader.object, .unknownLayerClass(className, supported: LayerCodecs.classNames))
            }
            guard layer is Wrapped else { throw reader.unsupported("\(name) of class \(className) (\(kind) is wrapped)") }
            return .wrapped(layer, ignoredKeys: ignoredKeys)
        }
        encode = { layer, flavour in
            let wrapped = layer[keyPath: keyPath] as! any Layer
            var config = ConfigWriter.layerConfig(wrapped, flavour: flavour)
            if let writtenName { config["name"] = .string(writtenName(wrapped.name, flavour)) }
            var entry = JSONObject([("module", .string("keras.layers")), ("class_name", .string(wrapped.className)),
                                    ("config", .object(config)), ("registered_name", .null)])
            // Keras 3 builds a wrapped layer that has its build_config as it reads it, outside the wrapper, which
            // gives its variables the paths of Keras's own files (`dense/kernel`, not `wrapper/dense/kernel`).
            if flavour == .keras3, !wrapped.weights.isEmpty, let shape = wrapped.inputShapes.first {
                entry["build_config"] = .object(JSONObject([("input_shape", .batchShape(shape))]))
            }
            return (name, .object(entry))
        }
    }

    /// A key whose only supported value is `value` (missing and null also pass): another is handled as
    /// `otherwise` says. Written as `value` unless `written` is false (a Keras 2 option Keras 3 refuses), and
    /// only in `onlyIn`'s files when that is set (an option the other flavour refuses).
    ///
    /// `value` is made afresh at each use rather than kept: the keys live in static storage for the whole
    /// process, and an indirect enum's payload held there is reached only through a pointer whose spare bits
    /// carry the case, which LeakSanitizer does not follow.
    static func fixed(_ name: String, _ value: @escaping @autoclosure @Sendable () -> JSONValue, otherwise: UnsupportedValue,
                      written: Bool = true, onlyIn: KerasFlavour? = nil) -> ConfigKey {
        ConfigKey(name: name, keyPath: nil, decode: { reader in
            guard let item = reader.config[name], !item.isNull, item != value() else { return .nothing }
            switch otherwise {
            case .refusal: throw reader.unsupported("\(name) \(item.pythonJSON)")
            case .notice: return .ignored(default: nil)
            case .ignored: return .nothing
            }
        }, encode: { _, flavour in written && (onlyIn ?? flavour) == flavour ? (name, value()) : nil })
    }

    /// `data_format`: only `channels_last` (Keras's default) is supported.
    static var channelsLast: ConfigKey { .fixed("data_format", .string("channels_last"), otherwise: .refusal) }

    /// Regularizer and constraint keys (`kernel_regularizer`, ...), which training here does not apply: null
    /// is written; another value gets a notice.
    static func notApplied(_ names: String...) -> [ConfigKey] { names.map { .fixed($0, .null, otherwise: .notice) } }

    /// A dropout-style `seed`: written null, any value accepted (the masks here come from the model's seed).
    static var seed: ConfigKey { .fixed("seed", .null, otherwise: .ignored) }

    private init(name: String, keyPath: AnyKeyPath?, decode: @escaping @Sendable (LayerConfigReader) throws -> Decoded,
                 encode: @escaping @Sendable (CodedLayer, KerasFlavour) -> (String, JSONValue)?) {
        self.name = name
        self.keyPath = keyPath
        self.decode = decode
        self.encode = encode
    }
}

/// A layer config read through its codec's keys: each key's value, by the layer property it holds.
struct LayerSettings<CodedLayer: Layer> {
    /// The config, for errors naming the file, the layer and a key.
    let reader: LayerConfigReader
    private var values: [AnyKeyPath: Any] = [:]
    /// Keys whose value is not honoured, for the builder's notices.
    private(set) var ignoredKeys: [String] = []

    /// Reads every key of `keys` from `reader`'s config, refusing the first unsupported value.
    init(_ keys: [ConfigKey<CodedLayer>], reader: LayerConfigReader) throws {
        self.reader = reader
        for key in keys {
            switch try key.decode(reader) {
            case .value(let value): if let path = key.keyPath { values[path] = value }
            case .nothing: break
            case .ignored(let value):
                ignoredKeys.append(key.name)
                if let path = key.keyPath, let value { values[path] = value }
            case .wrapped(let layer, let wrappedIgnoredKeys):
                ignoredKeys += wrappedIgnoredKeys.map { "\(key.name).\($0)" }
                if let path = key.keyPath { values[path] = layer }
            }
        }
    }

    /// The layer's name.
    var name: String { reader.layer }

    /// The value of the key that holds `keyPath`.
    subscript<Value>(_ keyPath: KeyPath<CodedLayer, Value>) -> Value {
        get throws {
            guard let value = values[keyPath] as? Value else { throw reader.unsupported("a setting \(CodedLayer.self)'s codec does not declare") }
            return value
        }
    }
}

/// The key a ``ValueCoding`` reads, for its errors.
struct KeyContext {
    let reader: LayerConfigReader
    let key: String

    /// The config holds a value of the wrong kind or out of range for the key.
    func invalid(_ reason: String) -> KerasFormatError { reader.invalid(key, reason) }
}
