extension Model {
    /// One input of a model, as `keras.Input(shape=..., dtype=..., name=...)` declares it.
    public struct Input: Sendable, Equatable {
        /// The input's name (its InputLayer's in a Keras file), unique among the model's inputs and layers.
        public var name: String
        /// Per-sample shape, e.g. `[28, 28, 1]`.
        public var shape: [Int]
        /// The element type Keras declares for it.
        public var dtype: DType

        /// An input of `shape`; Keras 3 names a model's first input `input_layer`.
        public init(name: String = "input_layer", shape: [Int], dtype: DType = .float32) {
            self.name = name
            self.shape = shape
            self.dtype = dtype
        }

        /// Values per sample.
        public var size: Int { shape.reduce(1, *) }
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
