import NeuralNet

/// Values as Keras writes them in layer and model configs.
extension JSONValue {
    /// `[a, b]`: a kernel size, strides or a pool size.
    static func pair(_ a: Int, _ b: Int) -> JSONValue { .array([.int(a), .int(b)]) }

    /// A float32 setting written with the fewest digits that read back as the same float (`0.3`, not
    /// `0.30000001192092896`).
    static func float(_ value: Float) -> JSONValue { .double(Double(value.description) ?? Double(value)) }

    /// An activation's name in the flavour (``ModelWriter`` refuses beforehand what the flavour cannot name).
    static func activation(_ activation: Activation, _ flavour: KerasFlavour) -> JSONValue {
        .string(flavour.name(of: activation) ?? activation.rawValue)
    }

    /// `[null, d1, d2...]`: a shape with its batch dimension.
    static func batchShape(_ dims: [Int]) -> JSONValue { .array([.null] + dims.map(JSONValue.int)) }

    /// The same for an input's declared shape, null at its variable axes.
    static func batchShape(_ input: Model.Input) -> JSONValue { .array([.null] + input.declaredShape.map { $0.map(JSONValue.int) ?? .null }) }

    /// A serialised Keras initializer, e.g. `GlorotUniform`.
    static func initializer(_ className: String, _ config: JSONObject = JSONObject()) -> JSONValue {
        .object(JSONObject([("module", .string("keras.initializers")), ("class_name", .string(className)),
                            ("config", .object(config)), ("registered_name", .null)]))
    }
}
