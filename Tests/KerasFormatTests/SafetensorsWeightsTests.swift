import Foundation
import KerasFormat
import NeuralNet
import Safetensors
import TestSupport
import Testing

/// A model's weights through `.safetensors`: keyed by Keras's weight paths, back into a model of the same
/// architecture bit for bit, and refused by tensor name when they do not fit.
@Suite struct SafetensorsWeightsTests {
    private func layers() -> [Layer] {
        [Normalization(name: "norm"),
         Bidirectional(LSTM(units: 3, returnSequences: true, name: "forward_lstm"),
                       backwardLayer: GRU(units: 2, returnSequences: true, goBackwards: true, name: "backward_gru"), name: "both"),
         TimeDistributed(Dense(units: 2, name: "inner"), name: "each"), BatchNormalization(name: "bn"), Flatten(name: "flat"),
         Dense(units: 3, name: "out")]
    }

    private func model(seed: UInt64) throws -> Sequential {
        let model = try Sequential(name: "seq", inputShape: [4, 2], layers: layers(), seed: seed)
        for (index, parameter) in model.layers.flatMap(\.weights).enumerated() where parameter.name == "moving_variance" || parameter.name == "variance" {
            for i in 0..<parameter.count { parameter.value[i] = Float(index + i) / 7 + 0.5 }
            parameter.valuesChanged()
        }
        return model
    }

    @Test func weightsAreKeyedByKerasPathsAndLoadBackExactly() throws {
        let source = try model(seed: 3)
        let keys = SafetensorsWeights.keyedWeights(of: source).map(\.key)
        #expect(keys == ["norm/mean", "norm/variance", "norm/count",
                         "forward_lstm/lstm_cell/kernel", "forward_lstm/lstm_cell/recurrent_kernel", "forward_lstm/lstm_cell/bias",
                         "backward_gru/gru_cell/kernel", "backward_gru/gru_cell/recurrent_kernel", "backward_gru/gru_cell/bias",
                         "inner/kernel", "inner/bias", "bn/gamma", "bn/beta", "bn/moving_mean", "bn/moving_variance",
                         "out/kernel", "out/bias"])
        let folder = try TemporaryFolder()
        let path = folder.path("m.safetensors")
        try SafetensorsWeights.save(source, to: path, source: "/somewhere/m.keras")
        let file = try SafetensorsFile.open(path)
        #expect(file.metadata["source"] == "m.keras" && file.metadata["producer"] == "keras-swift")
        #expect(file.metadata["keras_layer_classes"]?.hasPrefix(#"{"norm": "Normalization", "both": "Bidirectional""#) == true)
        #expect(file["norm/count"]?.dtype == .int64 && file["out/kernel"]?.dtype == .float32)
        let copy = try model(seed: 9)
        #expect(try SafetensorsWeights.load(path, into: copy).isEmpty)
        for (a, b) in zip(source.layers.flatMap(\.weights), copy.layers.flatMap(\.weights)) {
            #expect(Array(UnsafeBufferPointer(start: a.value, count: a.count)) == Array(UnsafeBufferPointer(start: b.value, count: b.count)), "\(a.name)")
        }
    }

    /// Writes tensors named `names` with `model`'s values (the shape of `shapes[i]` when given) to `path`, as
    /// another program might, in `dtype`.
    private func writeForeign(_ model: Model, names: [String], to path: String, dtype: SafetensorsDType = .float32,
                              shapes: [String: [Int]] = [:]) throws {
        let weights = SafetensorsWeights.keyedWeights(of: model)
        let arrays: [[UInt8]] = weights.map { weight in
            let values = UnsafeBufferPointer(start: weight.parameter.value, count: weight.parameter.count)
            switch dtype {
            case .float16: return values.map { Float16($0) }.withUnsafeBytes { Array($0) }
            default: return Array(UnsafeRawBufferPointer(values))
            }
        }
        var tensors: [SafetensorsTensorData] = []
        func nest(_ index: Int) throws {
            guard index < arrays.count else { return try SafetensorsWriter.write(tensors, metadata: [:], to: path) }
            try arrays[index].withUnsafeBytes { bytes in
                let shape = shapes[weights[index].key] ?? weights[index].parameter.shape
                if index < names.count {
                    tensors.append(SafetensorsTensorData(name: names[index], dtype: dtype, shape: shape, bytes: bytes))
                }
                try nest(index + 1)
            }
        }
        try nest(0)
    }

    @Test func keysWithTheModelsNameInFrontAndOtherFloatTypesLoad() throws {
        let source = try model(seed: 3)
        let keys = SafetensorsWeights.keyedWeights(of: source).map(\.key)
        let folder = try TemporaryFolder()
        let path = folder.path("sequential.safetensors")
        try writeForeign(source, names: keys.map { "sequential/" + $0 }, to: path, dtype: .float16)
        let copy = try model(seed: 9)
        let notices = try SafetensorsWeights.load(path, into: copy)
        #expect(notices.count == keys.count)
        #expect(notices.first == .convertedToFloat32(weight: "sequential/norm/mean", from: "F16"))
        for (a, b) in zip(source.layers.flatMap(\.weights), copy.layers.flatMap(\.weights)) {
            let expected = UnsafeBufferPointer(start: a.value, count: a.count).map { Float(Float16($0)) }
            #expect(expected == Array(UnsafeBufferPointer(start: b.value, count: b.count)), "\(a.name)")
        }
    }

    @Test func missingExtraAndMisshapenTensorsAreRefusedByName() throws {
        let source = try model(seed: 3)
        let keys = SafetensorsWeights.keyedWeights(of: source).map(\.key)
        let folder = try TemporaryFolder()
        let path = folder.path("bad.safetensors")
        let copy = try model(seed: 9)
        let before = copy.layers.flatMap(\.weights).map { Array(UnsafeBufferPointer(start: $0.value, count: $0.count)) }

        try writeForeign(source, names: Array(keys.dropLast()), to: path)
        #expect(throws: KerasFormatError(file: path, object: "tensor out/bias", .missingTensor(layer: "out", weight: "bias"))) {
            try SafetensorsWeights.load(path, into: copy)
        }
        try writeForeign(source, names: keys.dropLast() + ["out/bias_renamed"], to: path)
        #expect(throws: KerasFormatError(file: path, object: "tensor out/bias_renamed", .unexpectedTensor)) {
            try SafetensorsWeights.load(path, into: copy)
        }
        try writeForeign(source, names: keys, to: path, shapes: ["out/kernel": [3, 8]])
        #expect(throws: KerasFormatError(file: path, object: "tensor out/kernel",
                                         .shapeMismatch(layer: "out", weight: "kernel", expected: [8, 3], found: [3, 8]))) {
            try SafetensorsWeights.load(path, into: copy)
        }
        #expect(copy.layers.flatMap(\.weights).map { Array(UnsafeBufferPointer(start: $0.value, count: $0.count)) } == before, "nothing changed")
    }

    /// Keras names a wrapped layer's weights without its wrapper's name, so two wrappers of layers of one name
    /// would share keys: such a model is refused rather than loaded with one tensor twice.
    @Test func twoWeightsOfOneKeyAreRefused() throws {
        let model = try Sequential(inputShape: [4, 2], layers: [
            TimeDistributed(Dense(units: 2, name: "inner"), name: "first"), TimeDistributed(Dense(units: 2, name: "inner"), name: "second")])
        let folder = try TemporaryFolder()
        let path = folder.path("twice.safetensors")
        #expect(throws: KerasFormatError.self) { try SafetensorsWeights.save(model, to: path, source: "m.keras") }
        try writeForeign(model, names: ["inner/kernel", "inner/bias"], to: path)
        #expect(throws: KerasFormatError(file: path, object: "layer second", .invalidValue(key: "weight path inner/kernel",
                                                                                      reason: "belongs to two weights of the model; rename a layer they wrap"))) {
            try SafetensorsWeights.load(path, into: model)
        }
    }
}
