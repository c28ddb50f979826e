import NeuralNet

/// Keras `InputLayer`: the input's shape as a model config records it. Not a layer of the Swift model.
enum InputLayerEntry {
    static let className = "InputLayer"

    /// The entry's `config` for `input`: Keras 3's `batch_shape` or Keras 2's `batch_input_shape` (with `ragged`).
    static func config(_ input: Model.Input, flavour: KerasFlavour) -> JSONObject {
        switch flavour {
        case .keras3:
            return JSONObject([("batch_shape", .batchShape(input)), ("dtype", .string(input.dtype.rawValue)), ("sparse", .bool(false)),
                               ("name", .string(input.name))])
        case .keras2:
            return JSONObject([("batch_input_shape", .batchShape(input)), ("dtype", .string(input.dtype.rawValue)),
                               ("sparse", .bool(false)), ("ragged", .bool(false)), ("name", .string(input.name))])
        }
    }
}
