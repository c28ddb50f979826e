import Foundation
import NeuralNet
import Safetensors

/// A model's weights as a `.safetensors` file, keyed by the paths Keras 3 gives them (`Variable.path` of a model
/// Keras loads from a file: `dense/kernel`, `lstm/lstm_cell/bias`; a wrapped layer's without its wrapper's name,
/// `forward_lstm/lstm_cell/kernel` in a Bidirectional, `dense/kernel` in a TimeDistributed), so Python finds each
/// of `model.weights` by its `path`.
public enum SafetensorsWeights {
    /// Each weight of `model` (trainable and not, layer by layer in Keras's order) under its key.
    public static func keyedWeights(of model: Model) -> [(key: String, layer: Layer, parameter: Parameter)] {
        model.layers.flatMap { layer in
            LayerCodecs.weightGroups(of: layer, flavour: .keras3).flatMap { group in
                zip(group.legacyNames, group.parameters).map { (group.inWrappedLayer ? $0 : "\(layer.name)/\($0)", layer, $1) }
            }
        }
    }

    /// Writes `model`'s weights to `path`: float32, integer weights (Normalization's count) as int64 as Keras
    /// keeps them; `__metadata__` names the writer, the source file and each layer's class.
    public static func save(_ model: Model, to path: String, source: String) throws {
        let weights = keyedWeights(of: model)
        let integers = weights.filter(\.parameter.storedAsInteger).map { weight in
            UnsafeBufferPointer(start: weight.parameter.value, count: weight.parameter.count).map { Int64($0) }
        }
        var nextInteger = 0
        let classes = JSONValue.object(JSONObject(model.layers.map { ($0.name, .string($0.className)) }))
        let metadata = ["producer": "keras-swift", "source": URL(fileURLWithPath: source).lastPathComponent,
                        "keras_layer_classes": classes.pythonJSON]
        try withIntegerBytes(integers) { integerBytes in
            let tensors = weights.map { weight -> SafetensorsTensorData in
                let parameter = weight.parameter
                if parameter.storedAsInteger {
                    defer { nextInteger += 1 }
                    return SafetensorsTensorData(name: weight.key, dtype: .int64, shape: parameter.shape, bytes: integerBytes[nextInteger])
                }
                return SafetensorsTensorData(name: weight.key, dtype: .float32, shape: parameter.shape,
                                             bytes: UnsafeRawBufferPointer(UnsafeBufferPointer(start: parameter.value, count: parameter.count)))
            }
            do {
                try SafetensorsWriter.write(tensors, metadata: metadata, to: path)
            } catch let error as SafetensorsError {
                throw KerasFormatError(file: path, object: error.tensor.map { "tensor \($0)" }, .notWritable(error.reason))
            }
        }
    }

    /// Reads the weights of the `.safetensors` file at `path` into `model`, by key (see ``keyedWeights(of:)``).
    /// Keys may carry one leading component more, the model's name as Keras's own `Sequential` gives it before
    /// saving (`sequential/dense/kernel`). Every tensor must match one weight and every weight a tensor, of the
    /// same shape, before any weight changes; float16, bfloat16, float64 and integer tensors are converted, with
    /// a notice.
    public static func load(_ path: String, into model: Model) throws -> [Notice] {
        let file = try SafetensorsFile.open(path)
        let wanted = keyedWeights(of: model)
        var keys = Set<String>()
        if let repeated = wanted.first(where: { !keys.insert($0.key).inserted }) {
            throw KerasFormatError(file: path, object: "layer \(repeated.layer.name)",
                                   .invalidValue(key: "weight path \(repeated.key)", reason: "belongs to two weights of the model; rename a layer they wrap"))
        }
        let prefix = commonExtraComponent(of: file.tensors.map(\.name), known: keys)
        let byKey = Dictionary(file.tensors.map { (String($0.name.dropFirst(prefix.count)), $0) }, uniquingKeysWith: { a, _ in a })
        if let extra = file.tensors.first(where: { !keys.contains(String($0.name.dropFirst(prefix.count))) }) {
            throw KerasFormatError(file: path, object: "tensor \(extra.name)", .unexpectedTensor)
        }
        var notices: [Notice] = []
        var pairs: [(Parameter, SafetensorsTensor)] = []
        for weight in wanted {
            guard let tensor = byKey[weight.key] else {
                throw KerasFormatError(file: path, object: "tensor \(prefix + weight.key)", .missingTensor(layer: weight.layer.name, weight: weight.parameter.name))
            }
            guard tensor.shape == weight.parameter.shape else {
                throw KerasFormatError(file: path, object: "tensor \(tensor.name)",
                                       .shapeMismatch(layer: weight.layer.name, weight: weight.parameter.name, expected: weight.parameter.shape,
                                                      found: tensor.shape))
            }
            if tensor.dtype != .float32 && !(tensor.dtype.isInteger && weight.parameter.storedAsInteger) {
                notices.append(.convertedToFloat32(weight: tensor.name, from: tensor.dtype.rawValue))
            }
            pairs.append((weight.parameter, tensor))
        }
        for (parameter, tensor) in pairs {
            try file.readFloats(tensor, into: UnsafeMutableBufferPointer(start: parameter.value, count: parameter.count))
            try ModelLoader.checkValues(of: parameter, readFrom: "tensor \(tensor.name)", file: path, notices: &notices)
        }
        return notices
    }

    /// The one leading `name/` that every key carries and no model key starts with, or "".
    private static func commonExtraComponent(of names: [String], known: Set<String>) -> String {
        guard let first = names.first, let slash = first.firstIndex(of: "/") else { return "" }
        let prefix = String(first[...slash])
        guard names.allSatisfy({ $0.hasPrefix(prefix) && !known.contains($0) }),
              names.contains(where: { known.contains(String($0.dropFirst(prefix.count))) }) else { return "" }
        return prefix
    }

    /// Runs `body` with the bytes of each integer array.
    private static func withIntegerBytes<Result>(_ arrays: [[Int64]], _ body: ([UnsafeRawBufferPointer]) throws -> Result) throws -> Result {
        func nest(_ index: Int, _ done: [UnsafeRawBufferPointer]) throws -> Result {
            guard index < arrays.count else { return try body(done) }
            return try arrays[index].withUnsafeBytes { try nest(index + 1, done + [$0]) }
        }
        return try nest(0, [])
    }
}
