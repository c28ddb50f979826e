import NeuralNet

/// Writes a model as an ONNX `ModelProto`: Keras's input and output names and shapes, channels-last at the
/// edges, and between them channels-first wherever convolutions and pooling need it (a Transpose only where a
/// layer needs the other layout: into the first convolution, into a Flatten after one); weights as
/// initializers, a BatchNormalization after a convolution folded into its kernel; the batch axis symbolic
/// (`batch`) or fixed. Each layer class is lowered to the ONNX operators that compute what Keras computes at
/// inference; a layer without such a lowering is refused by name, never approximated.
public struct ONNXExporter {
    /// The operator set written (17 by default; 13 to 21 are accepted).
    public var opset = 17
    /// The batch length the graph fixes, or nil for a symbolic batch axis.
    public var batch: Int?

    /// An exporter for `opset` and `batch`.
    public init(opset: Int = 17, batch: Int? = nil) {
        self.opset = opset
        self.batch = batch
    }

    /// The operator sets this exporter writes.
    public static let supportedOpsets = 13...21

    /// The bytes of the ONNX model of `model`. When its inputs leave axes open (Keras's `None`, built at some
    /// length), `variant` is the same model built with those axes another length: the axes whose lengths
    /// differ between the two become symbolic in the graph's inputs and outputs, provided the two graphs are
    /// otherwise the same; a layer whose operators depend on the length is refused by name.
    public func export(_ model: Model, atAnotherLength variant: Model? = nil) throws -> [UInt8] {
        guard Self.supportedOpsets.contains(opset) else {
            throw ONNXExportError(object: "--opset \(opset)", reason: "is not written here (\(Self.supportedOpsets.lowerBound) to \(Self.supportedOpsets.upperBound) are)")
        }
        var builder = GraphBuilder(batch: batch.map { .length($0) } ?? .symbol("batch"), opset: opset)
        try builder.lower(model)
        if let variant {
            var other = GraphBuilder(batch: builder.batch, opset: opset)
            try other.lower(variant)
            try builder.graph.openAxes(differingFrom: other.graph)
        }
        // IR version 8 came with opset 17; earlier opsets need no newer one.
        return builder.graph.encoded(graphName: model.name, opset: opset, irVersion: opset >= 17 ? 8 : 7)
    }
}

/// A value of the graph being built: its name, its rank (batch axis included) and whether its axes are
/// Keras's (channels last) or channels first (batch, channels, spatial...).
struct LoweredValue {
    let name: String
    let rank: Int
    var channelsFirst: Bool
    /// ONNX's element type: 1 (float32) but for an input of another Keras dtype.
    var elementType = 1
}

/// Builds the ONNX graph of a model node by node.
struct GraphBuilder {
    var graph = ONNXGraph()
    let batch: ONNXGraph.Value.Dimension
    /// The operator set written.
    let opset: Int
    /// Per node, per output tensor, the value computed.
    private var values: [[LoweredValue]] = []
    private var inputs: [LoweredValue] = []
    /// Values already transposed to the other layout, by source name.
    private var transposed: [String: LoweredValue] = [:]
    /// The mask (boolean, (batch, steps)) each value carries, by value name: see MaskLowering.
    var masks: [String: String] = [:]
    /// Values already cast to another element type, by source name and type.
    private var casts: [String: LoweredValue] = [:]
    /// Conv nodes with no activation after them, by their output's name: where a BatchNormalization may fold.
    var foldableConvolutions: [String: Int] = [:]

    init(batch: ONNXGraph.Value.Dimension, opset: Int) {
        self.batch = batch
        self.opset = opset
    }

    mutating func lower(_ model: Model) throws {
        for input in model.inputs {
            let name = graph.uniqueName(input.name), elementType = Self.elementTypes[input.dtype] ?? 1
            graph.inputs.append(ONNXGraph.Value(name: name, elementType: elementType, dimensions: [batch] + input.shape.map { .length($0) }))
            inputs.append(LoweredValue(name: name, rank: input.shape.count + 1, channelsFirst: false, elementType: elementType))
        }
        // How many calls and outputs read each node's values: a convolution read once may take in the
        // BatchNormalization after it.
        var readers = [Int](repeating: 0, count: model.nodes.count)
        for node in model.nodes { for case .node(let index, _) in node.inputs { readers[index] += 1 } }
        for index in model.outputs { readers[index] += 1 }
        for node in model.nodes {
            let sources = node.inputs.map { input -> LoweredValue in
                switch input {
                case .input(let index): return inputs[index]
                case .node(let index, let tensor): return values[index][tensor]
                }
            }
            if let normalization = node.layer as? BatchNormalization, case .node(let source, 0) = node.inputs[0],
               fold(normalization, into: sources[0], consumers: readers[source]) {
                values.append(sources)
                continue
            }
            let outputs = try lower(node.layer, sources)
            values.append(outputs)
            // A layer that passes its input's mask on (one mask, which the model checked its inputs agree on).
            switch node.layer.maskHandling {
            case .passes, .joins, .reads(passesOn: true):
                if let mask = sources.compactMap({ masks[$0.name] }).first {
                    for output in outputs where masks[output.name] == nil { masks[output.name] = mask }
                }
            default: break
            }
        }
        for (position, index) in model.outputs.enumerated() {
            let value = keras(values[index][0])
            let name = graph.uniqueName(model.outputNames[position])
            graph.add("Identity", [value.name], name: name, output: name)
            graph.outputs.append(ONNXGraph.Value(name: name, elementType: 1, dimensions: [batch] + model.outputShapes[position].map { .length($0) }))
        }
    }

    /// ONNX's element type of each Keras dtype (TensorProto.DataType).
    private static let elementTypes: [Model.DType: Int] = [
        .float32: 1, .uint8: 2, .int8: 3, .uint16: 4, .int16: 5, .int32: 6, .int64: 7, .bool: 9, .float16: 10, .float64: 11,
        .uint32: 12, .uint64: 13, .bfloat16: 16]

    /// `value` as float32, as Keras's layers compute: a Cast of an input of another dtype.
    mutating func floating(_ value: LoweredValue) -> LoweredValue { converted(value, to: 1) }

    /// `value` as ONNX element type `elementType` (a Cast once per value and type).
    mutating func converted(_ value: LoweredValue, to elementType: Int) -> LoweredValue {
        guard value.elementType != elementType else { return value }
        let key = "\(value.name)#\(elementType)"
        if let done = casts[key] { return done }
        let cast = graph.add("Cast", [value.name], name: value.name, attributes: [("to", .int(elementType))])
        let result = LoweredValue(name: cast, rank: value.rank, channelsFirst: value.channelsFirst, elementType: elementType)
        casts[key] = result
        return result
    }

    // MARK: Layouts

    /// `value` with Keras's axes.
    mutating func keras(_ value: LoweredValue) -> LoweredValue { value.channelsFirst ? relayout(value, channelsFirst: false) : value }

    /// `value` with its channels (Keras's last axis) second.
    mutating func channelsFirst(_ value: LoweredValue) -> LoweredValue { value.channelsFirst ? value : relayout(value, channelsFirst: true) }

    private mutating func relayout(_ value: LoweredValue, channelsFirst: Bool) -> LoweredValue {
        if value.rank <= 2 { return LoweredValue(name: value.name, rank: value.rank, channelsFirst: channelsFirst) }
        if let done = transposed[value.name] { return done }
        let r = value.rank
        let permutation = channelsFirst ? [0, r - 1] + Array(1..<(r - 1)) : [0] + Array(2..<r) + [1]
        let name = graph.add("Transpose", [value.name], name: value.name, attributes: [("perm", .ints(permutation))])
        let result = LoweredValue(name: name, rank: r, channelsFirst: channelsFirst)
        transposed[value.name] = result
        transposed[name] = value
        return result
    }

    /// A value computed from `source` with its layout.
    func same(_ source: LoweredValue, _ name: String) -> LoweredValue { LoweredValue(name: name, rank: source.rank, channelsFirst: source.channelsFirst) }
}
