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

    /// The bytes of the ONNX model of `model`.
    public func export(_ model: Model) throws -> [UInt8] {
        guard Self.supportedOpsets.contains(opset) else {
            throw ONNXExportError(object: "--opset \(opset)", reason: "is not written here (\(Self.supportedOpsets.lowerBound) to \(Self.supportedOpsets.upperBound) are)")
        }
        var builder = GraphBuilder(batch: batch.map { .length($0) } ?? .symbol("batch"))
        try builder.lower(model)
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
}

/// Builds the ONNX graph of a model node by node.
struct GraphBuilder {
    var graph = ONNXGraph()
    let batch: ONNXGraph.Value.Dimension
    /// Per node, per output tensor, the value computed.
    private var values: [[LoweredValue]] = []
    private var inputs: [LoweredValue] = []
    /// Values already transposed to the other layout, by source name.
    private var transposed: [String: LoweredValue] = [:]
    /// Conv nodes with no activation after them, by their output's name: where a BatchNormalization may fold.
    var foldableConvolutions: [String: Int] = [:]

    init(batch: ONNXGraph.Value.Dimension) { self.batch = batch }

    mutating func lower(_ model: Model) throws {
        for input in model.inputs {
            guard input.dtype == .float32 else {
                throw ONNXExportError(object: "input \(input.name)", reason: "takes \(input.dtype) values; only float32 inputs are exported to ONNX here")
            }
            let name = graph.uniqueName(input.name)
            graph.inputs.append(ONNXGraph.Value(name: name, elementType: 1, dimensions: [batch] + input.shape.map { .length($0) }))
            inputs.append(LoweredValue(name: name, rank: input.shape.count + 1, channelsFirst: false))
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
            values.append(try lower(node.layer, sources))
        }
        for (position, index) in model.outputs.enumerated() {
            let value = keras(values[index][0])
            let name = graph.uniqueName(model.outputNames[position])
            graph.add("Identity", [value.name], name: name, output: name)
            graph.outputs.append(ONNXGraph.Value(name: name, elementType: 1, dimensions: [batch] + model.outputShapes[position].map { .length($0) }))
        }
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
