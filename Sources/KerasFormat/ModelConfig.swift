/// A model's `model_config` (legacy `.h5`) or `config.json` (`.keras`), parsed as far as this project needs:
/// the model class and name, the input shape and the layers in order.
public struct ModelConfig: Sendable, Equatable {
    /// One layer entry: `{"class_name": ..., "config": {...}}`.
    public struct Layer: Sendable, Equatable {
        public var className: String
        public var name: String
        /// The layer's `config` object as stored.
        public var config: JSONObject

        /// A layer entry.
        public init(className: String, name: String, config: JSONObject) {
            self.className = className
            self.name = name
            self.config = config
        }
    }

    /// `Sequential`, `Functional`, ...
    public var modelClass: String
    public var name: String
    /// The batch input shape with `nil` for the batch dimension, e.g. `[nil, 28, 28, 1]`, when recorded.
    public var batchInputShape: [Int?]?
    /// The layers in model order, without the InputLayer.
    public var layers: [Layer]

    /// A model config from its parts.
    public init(modelClass: String, name: String, batchInputShape: [Int?]?, layers: [Layer]) {
        self.modelClass = modelClass
        self.name = name
        self.batchInputShape = batchInputShape
        self.layers = layers
    }

    /// Parses a config as Keras 2 and Keras 3 write it (legacy and `.keras` forms alike).
    public static func parse(_ json: JSONValue, file: String) throws -> ModelConfig {
        func fail(_ reason: String) -> KerasFormatError { KerasFormatError(file: file, object: "model config", .malformedConfig(reason)) }
        guard let modelClass = json["class_name"]?.stringValue else { throw fail("has no class_name") }
        guard let body = json["config"]?.objectValue else { throw fail("has no config object") }
        guard let entries = body["layers"]?.arrayValue else { throw fail("\(modelClass) config has no layers list") }
        var shape = body["build_input_shape"].flatMap(Self.shape) ?? json["build_config"]?["input_shape"].flatMap(Self.shape)
        var layers: [Layer] = []
        for (index, entry) in entries.enumerated() {
            guard let className = entry["class_name"]?.stringValue, let config = entry["config"]?.objectValue else {
                throw fail("layer #\(index) has no class_name or config")
            }
            let name = config["name"]?.stringValue ?? entry["name"]?.stringValue ?? "\(KerasNaming.snakeCase(className))_\(index)"
            let declared = (config["batch_shape"] ?? config["batch_input_shape"]).flatMap(Self.shape)
            if let declared, layers.isEmpty { shape = declared }
            if className == InputLayerEntry.className { continue }
            layers.append(Layer(className: className, name: name, config: config))
        }
        return ModelConfig(modelClass: modelClass, name: body["name"]?.stringValue ?? "model", batchInputShape: shape, layers: layers)
    }

    /// `[null, 28, 28, 1]` → `[nil, 28, 28, 1]`; nil when the value is not such a list.
    static func shape(_ value: JSONValue) -> [Int?]? {
        guard let items = value.arrayValue else { return nil }
        var dims: [Int?] = []
        for item in items {
            if item.isNull { dims.append(nil) } else if let dim = item.intValue { dims.append(dim) } else { return nil }
        }
        return dims
    }

    /// The class of the layer with this name.
    public func className(ofLayer name: String) -> String? {
        layers.first { $0.name == name }?.className
    }

    /// Where Keras 3 stores each layer in `.weights.h5`: `snake_case(class)` made unique in model order.
    public func saveableNames() -> [String] {
        KerasNaming.uniqueNames(layers.map { KerasNaming.snakeCase($0.className) })
    }
}
