/// An ONNX graph as this module builds it: nodes in order, weights as initializers, inputs and outputs with
/// their element types and shapes; encoded as a `ModelProto` (onnx.proto's field numbers).
struct ONNXGraph {
    /// An attribute of a node: onnx.proto's `AttributeProto` for the kinds used here.
    enum Attribute: Equatable {
        case int(Int), float(Float), ints([Int]), floats([Float]), string(String), strings([String])
    }

    struct Node: Equatable {
        let op: String
        var inputs: [String]
        let outputs: [String]
        let name: String
        let attributes: [(String, Attribute)]

        static func == (a: Node, b: Node) -> Bool {
            (a.op, a.inputs, a.outputs, a.name) == (b.op, b.inputs, b.outputs, b.name)
                && a.attributes.map(\.0) == b.attributes.map(\.0) && a.attributes.map(\.1) == b.attributes.map(\.1)
        }
    }

    /// A constant tensor: float32 values or int64 ones.
    struct Initializer: Equatable {
        let name: String
        let shape: [Int]
        var floats: [Float]?
        let integers: [Int64]?
    }

    /// A graph input or output: its name, ONNX element type (1 float, 7 int64, 6 int32) and dimensions, each
    /// a length or a symbolic name.
    struct Value {
        enum Dimension: Equatable { case length(Int), symbol(String) }
        let name: String
        let elementType: Int
        var dimensions: [Dimension]
    }

    var nodes: [Node] = []
    var initializers: [Initializer] = []
    var inputs: [Value] = []
    var outputs: [Value] = []
    private var usedNames = Set<String>()

    /// A name no other value or node of the graph has, from `base`.
    mutating func uniqueName(_ base: String) -> String {
        var candidate = base, counter = 1
        while !usedNames.insert(candidate).inserted {
            candidate = "\(base)_\(counter)"
            counter += 1
        }
        return candidate
    }

    /// Adds a node computing `op` and returns its output's name.
    @discardableResult
    mutating func add(_ op: String, _ inputs: [String], name: String, attributes: [(String, Attribute)] = [], output: String? = nil) -> String {
        let result = output ?? uniqueName(name + "/" + op)
        nodes.append(Node(op: op, inputs: inputs, outputs: [result], name: uniqueName("node:" + result), attributes: attributes))
        return result
    }

    /// Adds a node computing `op` with `outputs` outputs and returns their names.
    mutating func add(_ op: String, _ inputs: [String], name: String, attributes: [(String, Attribute)] = [], outputs: Int) -> [String] {
        let results = (0..<outputs).map { uniqueName("\(name)/\(op):\($0)") }
        nodes.append(Node(op: op, inputs: inputs, outputs: results, name: uniqueName("node:\(name)/\(op)"), attributes: attributes))
        return results
    }

    /// Adds a float32 constant and returns its name.
    mutating func constant(_ name: String, shape: [Int], _ values: [Float]) -> String {
        let unique = uniqueName(name)
        initializers.append(Initializer(name: unique, shape: shape, floats: values, integers: nil))
        return unique
    }

    /// Adds an int64 constant and returns its name.
    mutating func constant(_ name: String, shape: [Int], integers values: [Int64]) -> String {
        let unique = uniqueName(name)
        initializers.append(Initializer(name: unique, shape: shape, floats: nil, integers: values))
        return unique
    }

    /// Makes symbolic each input and output axis whose length differs in `other`, the same model's graph
    /// built with its open axes another length; refuses, naming the first node or weight that differs, when
    /// the graphs' operators or weights are not the same (a layer that fixed the length in the graph).
    mutating func openAxes(differingFrom other: ONNXGraph) throws {
        if let index = Self.firstDifference(nodes, other.nodes) {
            throw Self.lengthBound((index < nodes.count ? nodes : other.nodes)[index].outputs[0])
        }
        if let index = Self.firstDifference(initializers, other.initializers) {
            throw Self.lengthBound((index < initializers.count ? initializers : other.initializers)[index].name)
        }
        var symbols: [String] = []
        for index in inputs.indices {
            for axis in inputs[index].dimensions.indices where inputs[index].dimensions[axis] != other.inputs[index].dimensions[axis] {
                symbols.append("\(inputs[index].name)_axis\(axis)")
                inputs[index].dimensions[axis] = .symbol(symbols.last!)
            }
        }
        for index in outputs.indices {
            for axis in outputs[index].dimensions.indices where outputs[index].dimensions[axis] != other.outputs[index].dimensions[axis] {
                outputs[index].dimensions[axis] = .symbol(symbols.count == 1 ? symbols[0] : "\(outputs[index].name)_axis\(axis)")
            }
        }
    }

    /// The first position where `a` and `b` differ, the shorter one's end counting as a difference.
    private static func firstDifference<Element: Equatable>(_ a: [Element], _ b: [Element]) -> Int? {
        a.indices.first { $0 >= b.count || a[$0] != b[$0] } ?? (a.count < b.count ? a.count : nil)
    }

    /// The refusal of a graph whose value `name` (`layer/...`) depends on an open axis's length.
    private static func lengthBound(_ name: String) -> ONNXExportError {
        let layer = name.split(separator: "/").first.map(String.init) ?? name
        return ONNXExportError(object: "layer \(layer)", reason: "its ONNX form depends on the length of an open input axis (Keras's None); "
                                                            + "give the input a fixed length to export it")
    }

    /// The `ModelProto` bytes: IR version, the producer's name, the graph, one opset import of the default domain.
    func encoded(graphName: String, opset: Int, irVersion: Int) -> [UInt8] {
        var model = ProtobufWriter()
        model.integer(1, irVersion)
        model.string(2, "keras-swift")
        model.message(7) { graph in
            for node in nodes { graph.message(1) { Self.encode(node, into: &$0) } }
            graph.string(2, graphName)
            for initializer in initializers { graph.message(5) { Self.encode(initializer, into: &$0) } }
            for input in inputs { graph.message(11) { Self.encode(input, into: &$0) } }
            for output in outputs { graph.message(12) { Self.encode(output, into: &$0) } }
        }
        model.message(8) { opsetImport in
            opsetImport.string(1, "")
            opsetImport.integer(2, opset)
        }
        return model.bytes
    }

    private static func encode(_ node: Node, into message: inout ProtobufWriter) {
        for input in node.inputs { message.string(1, input) }
        for output in node.outputs { message.string(2, output) }
        message.string(3, node.name)
        message.string(4, node.op)
        for (name, attribute) in node.attributes {
            message.message(5) { field in
                field.string(1, name)
                switch attribute {
                case .float(let value): field.float(2, value); field.integer(20, 1)
                case .int(let value): field.integer(3, value); field.integer(20, 2)
                case .string(let value): field.string(4, value); field.integer(20, 3)
                case .ints(let values): field.packedIntegers(8, values); field.integer(20, 7)
                case .floats(let values): field.packedFloats(7, values); field.integer(20, 6)
                case .strings(let values): for value in values { field.string(9, value) }; field.integer(20, 8)
                }
            }
        }
    }

    private static func encode(_ initializer: Initializer, into message: inout ProtobufWriter) {
        message.packedIntegers(1, initializer.shape)
        if let floats = initializer.floats {
            message.integer(2, 1)
            message.string(8, initializer.name)
            floats.withUnsafeBytes { raw in message.bytes(9, Array(raw)) }
        } else if let integers = initializer.integers {
            message.integer(2, 7)
            message.string(8, initializer.name)
            integers.map(\.littleEndian).withUnsafeBytes { raw in message.bytes(9, Array(raw)) }
        }
    }

    private static func encode(_ value: Value, into message: inout ProtobufWriter) {
        message.string(1, value.name)
        message.message(2) { type in
            type.message(1) { tensor in
                tensor.integer(1, value.elementType)
                tensor.message(2) { shape in
                    for dimension in value.dimensions {
                        shape.message(1) { field in
                            switch dimension {
                            case .length(let length): field.integer(1, length)
                            case .symbol(let symbol): field.string(2, symbol)
                            }
                        }
                    }
                }
            }
        }
    }
}
