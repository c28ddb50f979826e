extension Model {
    /// Per-sample shape of each input.
    public var inputShapes: [[Int]] { inputs.map(\.shape) }
    /// Per-sample shape of the first input (of the only one, in most models).
    public var inputShape: [Int] { inputs[0].shape }
    /// The inputs' names, which Keras matches arrays given by name to.
    public var inputNames: [String] { inputs.map(\.name) }
    /// Values per sample in each input.
    public var inputSizes: [Int] { inputs.map(\.size) }
    /// Values per sample in the first input.
    public var inputSize: Int { inputs[0].size }

    /// A model of one float input of `inputShape`, named as Keras 3 names it.
    public convenience init(name: String, inputShape: [Int], nodes: [Node], outputs: [Int]? = nil, seed: UInt64 = 0,
                            initializeWeights: Bool = true, workerCount: Int = Parallel.coreCount) throws {
        try self.init(name: name, inputs: [Input(shape: inputShape)], nodes: nodes, outputs: outputs, seed: seed,
                      initializeWeights: initializeWeights, workerCount: workerCount)
    }

    /// The most inputs a model may have.
    public static let maximumInputs = 16

    /// One to ``maximumInputs`` inputs, each of a usable shape, named once among the inputs, and every
    /// input index a node reads naming one of them.
    static func checkInputs(_ inputs: [Input], nodes: [Node]) throws {
        guard (1...maximumInputs).contains(inputs.count) else {
            throw ModelError.invalidConfiguration("a model has 1 to \(maximumInputs) inputs, not \(inputs.count)")
        }
        var names = Set<String>()
        for input in inputs {
            guard !input.shape.isEmpty, input.shape.allSatisfy({ $0 > 0 }) else {
                throw ModelError.invalidConfiguration("input \(input.name)'s shape \(describeShape(input.shape, batch: true)) is not usable")
            }
            guard names.insert(input.name).inserted else {
                throw ModelError.invalidConfiguration("two inputs are named \(input.name)")
            }
        }
        for node in nodes {
            for case .input(let index) in node.inputs where !inputs.indices.contains(index) {
                throw ModelError.invalidInput(layer: node.layer.name, reason: "takes input \(index) of a model with \(inputs.count) inputs")
            }
        }
    }

    /// Gives each layer whose name is taken (by one of `taken` or an earlier layer) the first `NAME_1`,
    /// `NAME_2`, ... that no input or layer has.
    static func numberRepeatedNames(of layers: [Layer], after taken: [String]) {
        var used = Set(taken + layers.map(\.name)), seen = Set(taken)
        for layer in layers where !seen.insert(layer.name).inserted {
            var number = 1
            while used.contains("\(layer.name)_\(number)") { number += 1 }
            layer.name = "\(layer.name)_\(number)"
            used.insert(layer.name)
            seen.insert(layer.name)
        }
    }

    /// One input of a model, as `keras.Input(shape=..., dtype=..., name=...)` declares it.
    public struct Input: Sendable, Equatable {
        /// The input's name (its InputLayer's in a Keras file), unique among the model's inputs and layers.
        public var name: String
        /// Per-sample shape, e.g. `[28, 28, 1]`.
        public var shape: [Int]
        /// The element type Keras declares for it.
        public var dtype: DType
        /// The axes of ``shape`` the model's file leaves open (`None`: a sequence of any length), their
        /// lengths taken from the data the model was built for; written back as `None`.
        public var variableAxes: Set<Int> = []

        /// An input of `shape`; Keras 3 names a model's first input `input_layer`.
        public init(name: String = "input_layer", shape: [Int], dtype: DType = .float32) {
            self.name = name
            self.shape = shape
            self.dtype = dtype
        }

        /// Values per sample.
        public var size: Int { shape.reduce(1, *) }

        /// The shape as the file declares it: nil at each variable axis.
        public var declaredShape: [Int?] { shape.indices.map { variableAxes.contains($0) ? nil : shape[$0] } }
    }

    /// The element type of a model input, by Keras's dtype names. Every input runs as float32 here, as Keras's
    /// layers compute in float32; an integer input's values must be whole numbers in its type's range, carried
    /// exactly up to 2^24 (token ids and class codes).
    public enum DType: String, CaseIterable, Sendable {
        case float16, bfloat16, float32, float64, int8, int16, int32, int64, uint8, uint16, uint32, uint64, bool

        /// Whether values of this type are whole numbers (the integer types and `bool`).
        public var isInteger: Bool { !rawValue.contains("float") }

        /// The values an integer type holds, as far as float32 carries them; nil for the float types.
        var wholeNumberRange: ClosedRange<Float>? {
            switch self {
            case .float16, .bfloat16, .float32, .float64: return nil
            case .bool: return 0...1
            case .int8: return -128...127
            case .uint8: return 0...255
            case .int16: return -32768...32767
            case .uint16: return 0...65535
            case .int32, .int64: return -Float(1 << 24)...Float(1 << 24)
            case .uint32, .uint64: return 0...Float(1 << 24)
            }
        }
    }
}
