import NeuralNet
import ONNX
import Testing

/// The ONNX writer's graph, read back with a small protobuf reader: the operators in order (a Transpose only at
/// the edges of the convolutions), Keras's names on inputs and outputs, the batch axis, and refusals by name.
@Suite struct ONNXExporterTests {
    /// Protocol Buffers' fields of a message: number and value (an integer, or a length-delimited payload).
    private enum Field { case integer(Int), bytes([UInt8]) }

    private func fields(_ bytes: [UInt8]) -> [(Int, Field)] {
        var result: [(Int, Field)] = [], position = 0
        func varint() -> Int {
            var value = 0, shift = 0
            while true {
                let byte = bytes[position]
                position += 1
                value |= Int(byte & 0x7F) << shift
                if byte < 0x80 { return value }
                shift += 7
            }
        }
        while position < bytes.count {
            let key = varint()
            switch key & 7 {
            case 0: result.append((key >> 3, .integer(varint())))
            case 2:
                let length = varint()
                result.append((key >> 3, .bytes(Array(bytes[position..<position + length]))))
                position += length
            case 5:
                result.append((key >> 3, .bytes(Array(bytes[position..<position + 4]))))
                position += 4
            default: Issue.record("unexpected wire type \(key & 7)"); return result
            }
        }
        return result
    }

    private func payloads(_ bytes: [UInt8], _ number: Int) -> [[UInt8]] {
        fields(bytes).compactMap { field in if field.0 == number, case .bytes(let payload) = field.1 { return payload } else { return nil } }
    }

    private func text(_ bytes: [UInt8], _ number: Int) -> String? { payloads(bytes, number).first.map { String(decoding: $0, as: UTF8.self) } }

    private func integer(_ bytes: [UInt8], _ number: Int) -> Int? {
        fields(bytes).lazy.compactMap { field in if field.0 == number, case .integer(let value) = field.1 { return value } else { return nil } }.first
    }

    /// The dimensions of a graph input or output (ValueInfoProto: type, tensor_type, shape, dim).
    private func dimensions(_ value: [UInt8]) -> [[UInt8]] {
        let type = payloads(value, 2).first ?? [], tensor = payloads(type, 1).first ?? [], shape = payloads(tensor, 2).first ?? []
        return payloads(shape, 1)
    }

    private func lenet() throws -> Sequential {
        try Sequential(name: "lenet", inputShape: [12, 12, 1], layers: [
            Conv2D(filters: 2, kernelSize: (3, 3), activation: .tanh, name: "c1"), Pooling2D(.average, name: "p1"),
            Conv2D(filters: 3, kernelSize: (3, 3), padding: .same, activation: .relu, name: "c2"), Flatten(name: "flat"),
            Dropout(rate: 0.5, name: "drop"), Dense(units: 4, activation: .softmax, name: "out")], seed: 1)
    }

    @Test func aConvolutionalModelTransposesOnlyAtTheEdges() throws {
        let bytes = try ONNXExporter().export(try lenet())
        let model = fields(bytes)
        #expect(integer(bytes, 1) == 8, "IR version 8")
        let opset = try #require(payloads(bytes, 8).first)
        #expect(!model.isEmpty && integer(opset, 2) == 17)
        let graph = try #require(payloads(bytes, 7).first)
        let ops = payloads(graph, 1).compactMap { text($0, 4) }
        #expect(ops == ["Transpose", "Conv", "Tanh", "AveragePool", "Conv", "Relu", "Transpose", "Flatten", "MatMul", "Add", "Softmax", "Identity"])
        let input = try #require(payloads(graph, 11).first)
        #expect(text(input, 1) == "input_layer")
        let output = try #require(payloads(graph, 12).first)
        #expect(text(output, 1) == "out")
        // The input's shape: a symbolic batch, then 12, 12, 1.
        let shape = dimensions(input)
        #expect(shape.count == 4 && text(shape[0], 2) == "batch" && shape.dropFirst().map { integer($0, 1) } == [12, 12, 1])
        #expect(payloads(graph, 5).count == 6, "three kernels and three biases")
    }

    /// The float values of an initializer (TensorProto: name 8, raw_data 9).
    private func initializer(_ graph: [UInt8], named name: String) -> [Float]? {
        guard let tensor = payloads(graph, 5).first(where: { text($0, 8) == name }), let raw = payloads(tensor, 9).first else { return nil }
        return raw.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
    }

    @Test func aBatchNormalizationAfterAConvolutionIsFoldedIntoItsKernel() throws {
        let convolution = Conv2D(filters: 3, kernelSize: (2, 2), useBias: false, name: "conv")
        let normalization = BatchNormalization(epsilon: 0.01, name: "bn")
        let model = try Sequential(name: "folded", inputShape: [5, 5, 2], layers: [
            convolution, normalization, ReLU(name: "relu"),
            BatchNormalization(axis: 1, name: "rows"), Flatten(name: "flat")], seed: 3)
        for (index, parameter) in (normalization.weights).enumerated() {
            for i in 0..<parameter.count { parameter.value[i] = Float(index + 1) * 0.3 + Float(i) * 0.1 }
        }
        let graph = try #require(payloads(try ONNXExporter().export(model), 7).first)
        let ops = payloads(graph, 1).compactMap { text($0, 4) }
        #expect(ops == ["Transpose", "Conv", "Relu", "Transpose", "Mul", "Add", "Flatten", "Identity"],
                "no BatchNormalization node: the first is in the kernel, the one over rows a product and a sum")
        let (factor, offset) = normalization.inferenceScaleAndShift
        let kernel = try #require(initializer(graph, named: "conv/kernel"))
        // Keras's kernel (2, 2, 2, 3) becomes ONNX's (3, 2, 2, 2), each filter scaled by its channel's factor.
        for o in 0..<3 {
            for i in 0..<2 {
                for position in 0..<4 {
                    #expect(kernel[(o * 2 + i) * 4 + position] == convolution.kernel.value[(position * 2 + i) * 3 + o] * factor[o])
                }
            }
        }
        #expect(initializer(graph, named: "bn/folded_bias") == offset, "no bias: the folded bias is the offset")
    }

    @Test func aFixedBatchIsWrittenAsALength() throws {
        let bytes = try ONNXExporter(batch: 8).export(try lenet())
        let graph = try #require(payloads(bytes, 7).first)
        let input = try #require(payloads(graph, 11).first)
        #expect(dimensions(input).map { integer($0, 1) } == [8, 12, 12, 1])
    }

    @Test func whatHasNoONNXFormInTheOpsetIsRefusedByName() throws {
        let normalized = try Sequential(inputShape: [3], layers: [LayerNormalization(name: "norm")])
        #expect(throws: ONNXExportError(object: "layer norm", reason: "LayerNormalization needs --opset 17 or later")) {
            try ONNXExporter(opset: 13).export(normalized)
        }
        #expect(throws: ONNXExportError.self) { try ONNXExporter(opset: 11).export(try lenet()) }
    }

    @Test func aMaskedRecurrentLayerIsUnrolledKeepingTheStateAtMaskedSteps() throws {
        let embedding = Embedding(inputDimension: 9, outputDimension: 2, name: "embed")
        embedding.maskZero = true
        let tokens = try Model(name: "tokens", inputs: [Model.Input(name: "ids", shape: [4], dtype: .int32)],
                               nodes: [Node(embedding, inputs: [.input(0)]), Node(GRU(units: 2, name: "gru"), inputs: [.node(0)])])
        let graph = try #require(payloads(try ONNXExporter().export(tokens), 7).first)
        let ops = payloads(graph, 1).compactMap { text($0, 4) }
        #expect(!ops.contains("GRU") && ops.filter { $0 == "Where" }.count == 4, "one cell per step, each keeping the state where masked")
        #expect(ops.filter { $0 == "Gather" }.count == 1 + 2 * 4, "the lookup, then each step's inputs and mask")
        let masked = try Sequential(inputShape: [5, 2], layers: [Masking(name: "padding"), LSTM(units: 3, name: "memory")])
        let lstm = payloads(try #require(payloads(try ONNXExporter().export(masked), 7).first), 1).compactMap { text($0, 4) }
        #expect(!lstm.contains("LSTM") && lstm.filter { $0 == "Where" }.count == 2 * 5, "state and carry kept at each of 5 steps")
    }

    /// A model of an open length (Keras's None steps) built at two lengths, the same seed giving the same weights;
    /// flattened, its Dense kernel has as many rows as the steps.
    private func sequenceModel(steps: Int, flattened: Bool) throws -> Model {
        var input = Model.Input(name: "series", shape: [steps, 2])
        input.variableAxes = [0]
        let layers: [Layer] = flattened ? [LSTM(units: 3, returnSequences: true, name: "memory"), Flatten(name: "flat"), Dense(units: 1, name: "out")]
            : [LSTM(units: 3, returnSequences: true, goBackwards: true, name: "memory"), Dense(units: 1, name: "out")]
        return try Sequential(input: input, layers: layers, seed: 5)
    }

    @Test func anOpenLengthStaysOpenUnlessALayerFixesIt() throws {
        let bytes = try ONNXExporter().export(try sequenceModel(steps: 4, flattened: false), atAnotherLength: try sequenceModel(steps: 7, flattened: false))
        let graph = try #require(payloads(bytes, 7).first)
        let input = dimensions(try #require(payloads(graph, 11).first)), output = dimensions(try #require(payloads(graph, 12).first))
        #expect(input.map { text($0, 2) ?? "\(integer($0, 1) ?? 0)" } == ["batch", "series_axis1", "2"])
        #expect(output.map { text($0, 2) ?? "\(integer($0, 1) ?? 0)" } == ["batch", "series_axis1", "1"], "the steps the LSTM returns follow the input's")
        #expect(payloads(graph, 1).compactMap { text($0, 4) }.contains("LSTM"))
        #expect(throws: ONNXExportError(object: "layer out", reason: "its ONNX form depends on the length of an open input axis (Keras's None); "
                                        + "give the input a fixed length to export it")) {
            try ONNXExporter().export(try sequenceModel(steps: 4, flattened: true), atAnotherLength: try sequenceModel(steps: 7, flattened: true))
        }
    }
}
