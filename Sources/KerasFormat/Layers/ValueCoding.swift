import NeuralNet

/// How one kind of config value reads from JSON and writes back, for ``ConfigKey``.
struct ValueCoding<Value>: Sendable {
    /// The value `item` holds (null only when ``readsNull``); nil for a well-formed value this project lacks
    /// (an initializer it does not have), which the key then ignores with a notice. Throws for a malformed one.
    let read: @Sendable (_ item: JSONValue, _ context: KeyContext) throws -> Value?
    /// The JSON Keras writes for `value` in a flavour.
    let write: @Sendable (_ value: Value, _ flavour: KerasFlavour) -> JSONValue
    /// Whether null is a value of its own rather than "use the default" (Normalization's `axis`).
    var readsNull = false
}

/// The largest size a config may give (units, filters, a window, a stride, a padding): 2^20.
let maximumConfigSize = 1 << 20

extension ValueCoding where Value == Int {
    /// Any integer (an axis).
    static var int: ValueCoding {
        ValueCoding(read: { item, context in
            guard let int = item.intValue else { throw context.invalid("must be an integer, found \(item.pythonJSON)") }
            return int
        }, write: { value, _ in .int(value) })
    }

    /// A size from 1 to ``maximumConfigSize`` (units, filters).
    static var positive: ValueCoding {
        ValueCoding(read: { item, context in
            guard let value = item.intValue, (1...maximumConfigSize).contains(value) else {
                throw context.invalid("must be a positive integer up to \(maximumConfigSize), found \(item.pythonJSON)")
            }
            return value
        }, write: { value, _ in .int(value) })
    }
}

extension ValueCoding where Value == Bool {
    /// `true` or `false`.
    static var bool: ValueCoding {
        ValueCoding(read: { item, context in
            guard let bool = item.boolValue else { throw context.invalid("must be true or false") }
            return bool
        }, write: { value, _ in .bool(value) })
    }
}

extension ValueCoding where Value == Float {
    /// A number finite as float32 (the type of every Keras layer setting), written with the fewest digits
    /// that read back as the same float.
    static var float: ValueCoding {
        ValueCoding(read: { item, context in
            guard let number = item.doubleValue, Float(number).isFinite else { throw context.invalid("must be a finite number, found \(item.pythonJSON)") }
            return Float(number)
        }, write: { value, _ in .float(value) })
    }

    /// A dropout `rate`: a number in [0, 1).
    static var rate: ValueCoding {
        ValueCoding(read: { item, context in
            guard let rate = try float.read(item, context), (0..<1).contains(rate) else {
                throw context.invalid("must be in [0, 1), found \(item.pythonJSON)")
            }
            return rate
        }, write: { value, _ in .float(value) })
    }
}

extension ValueCoding where Value == Double {
    /// A number finite as float32, kept as read (BatchNormalization's momentum and epsilon).
    static var double: ValueCoding {
        ValueCoding(read: { item, context in
            guard let number = item.doubleValue, Float(number).isFinite else { throw context.invalid("must be a finite number, found \(item.pythonJSON)") }
            return number
        }, write: { value, _ in .double(value) })
    }
}

extension ValueCoding where Value == (height: Int, width: Int) {
    /// An int or a two-element list of sizes (a kernel size, strides, a pool size), written as the list.
    static var pair: ValueCoding {
        ValueCoding(read: { item, context in
            let sizes = try ValueCoding<[Int]>.sizes(rank: 2).read(item, context)!
            return (sizes[0], sizes[1])
        }, write: { value, _ in .pair(value.height, value.width) })
    }
}

extension ValueCoding where Value == [Int] {
    /// An int or a list of `rank` sizes from 1 to ``maximumConfigSize`` (a kernel size, strides, a dilation
    /// rate of a convolution of that rank), written as the list.
    static func sizes(rank: Int, minimum: Int = 1) -> ValueCoding {
        ValueCoding(read: { item, context in
            let range = minimum...maximumConfigSize
            if let single = item.intValue, range.contains(single) { return Array(repeating: single, count: rank) }
            if let items = item.arrayValue, items.count == rank {
                let values = items.compactMap(\.intValue)
                if values.count == rank, values.allSatisfy(range.contains) { return values }
            }
            let size = minimum == 1 ? "a positive integer up to \(maximumConfigSize)" : "an integer from \(minimum) to \(maximumConfigSize)"
            throw context.invalid("must be \(size) or a list of \(rank) of them, found \(item.pythonJSON)")
        }, write: { value, _ in .array(value.map(JSONValue.int)) })
    }

    /// A list of 1 to 8 positive integers (a shape or an axis order), where -1 also passes (Reshape's
    /// inferred size).
    static var intList: ValueCoding {
        ValueCoding(read: { item, context in
            guard let items = item.arrayValue, !items.isEmpty, items.count <= 8 else {
                throw context.invalid("must be a list of 1 to 8 integers, found \(item.pythonJSON)")
            }
            let values = items.compactMap(\.intValue)
            guard values.count == items.count, values.allSatisfy({ $0 == -1 || (1...maximumConfigSize).contains($0) }) else {
                throw context.invalid("must be a list of positive integers (or -1), found \(item.pythonJSON)")
            }
            return values
        }, write: { value, _ in .array(value.map(JSONValue.int)) })
    }

    /// One axis or a list of them (LayerNormalization's, BatchNormalization's as Keras 2 writes it), written
    /// as one integer when there is one.
    static var axes: ValueCoding {
        ValueCoding(read: { item, context in
            if let axis = item.intValue { return [axis] }
            guard let items = item.arrayValue, (1...8).contains(items.count), items.allSatisfy({ $0.intValue != nil }) else {
                throw context.invalid("must be an integer or a list of them, found \(item.pythonJSON)")
            }
            return items.compactMap(\.intValue)
        }, write: { value, _ in value.count == 1 ? .int(value[0]) : .array(value.map(JSONValue.int)) })
    }
}

extension ValueCoding where Value == Int {
    /// An int or a one-item list of it from 1 to ``maximumConfigSize`` (a 1-D pool size or stride), written as
    /// the list.
    static var size: ValueCoding {
        let sizes = ValueCoding<[Int]>.sizes(rank: 1)
        return ValueCoding(read: { item, context in try sizes.read(item, context)?[0] }, write: { value, flavour in sizes.write([value], flavour) })
    }
}

extension ValueCoding where Value == (start: Int, end: Int) {
    /// ZeroPadding1D's `padding` or Cropping1D's `cropping`: n or (start, end) of sizes 0 to
    /// ``maximumConfigSize``, written as the pair.
    static var twoEnds: ValueCoding {
        ValueCoding(read: { item, context in
            let sizes = 0...maximumConfigSize
            if let n = item.intValue, sizes.contains(n) { return (n, n) }
            if let items = item.arrayValue, items.count == 2, let start = items[0].intValue, let end = items[1].intValue,
               sizes.contains(start), sizes.contains(end) {
                return (start, end)
            }
            throw context.invalid("must be n or (start, end) of sizes 0 to \(maximumConfigSize), found \(item.pythonJSON)")
        }, write: { value, _ in .pair(value.start, value.end) })
    }
}

extension ValueCoding where Value == (top: Int, bottom: Int, left: Int, right: Int) {
    /// ZeroPadding2D's `padding` or Cropping2D's `cropping`: n, (h, w) or ((top, bottom), (left, right)),
    /// written in the last form.
    static var fourSides: ValueCoding {
        ValueCoding(read: { item, context in
            let sizes = 0...maximumConfigSize
            if let n = item.intValue, sizes.contains(n) { return (n, n, n, n) }
            if let items = item.arrayValue, items.count == 2 {
                if let h = items[0].intValue, let w = items[1].intValue, sizes.contains(h), sizes.contains(w) { return (h, h, w, w) }
                if let rows = items[0].arrayValue?.compactMap(\.intValue), let cols = items[1].arrayValue?.compactMap(\.intValue),
                   rows.count == 2, cols.count == 2, (rows + cols).allSatisfy(sizes.contains) {
                    return (rows[0], rows[1], cols[0], cols[1])
                }
            }
            throw context.invalid("must be n, (h, w) or ((top, bottom), (left, right)) of sizes 0 to \(maximumConfigSize), found \(item.pythonJSON)")
        }, write: { value, _ in .array([.pair(value.top, value.bottom), .pair(value.left, value.right)]) })
    }
}

extension ValueCoding where Value == Padding {
    /// A convolution's or pooling layer's `padding`, one of `allowed` (any case, as Keras accepts).
    static func padding(_ allowed: [Padding] = [.valid, .same]) -> ValueCoding {
        ValueCoding(read: { item, context in
            guard let text = item.stringValue, let padding = Padding(rawValue: text.lowercased()), allowed.contains(padding) else {
                throw context.invalid("'\(item.stringValue ?? item.pythonJSON)' is not supported (\(allowed.map(\.rawValue).joined(separator: ", ")))")
            }
            return padding
        }, write: { value, _ in .string(value.rawValue) })
    }
}

extension ValueCoding where Value == Activation {
    /// A name (`"relu"`) or a serialised function (`{"class_name": "function", "config": "softmax_v2"}`),
    /// written by the flavour's name.
    static var activation: ValueCoding {
        ValueCoding(read: { item, context in
            let name = item.stringValue ?? item["config"]?.stringValue ?? item["config"]?["name"]?.stringValue
            guard let name else { throw context.invalid("is not a name or serialised function: \(item.pythonJSON)") }
            let aliases = ["softmax_v2": "softmax", "None": "linear", "swish": "silu", "hard_swish": "hard_silu"]
            let reader = context.reader
            guard let activation = Activation(rawValue: aliases[name] ?? name), activation != .hardSigmoidKeras2 else {
                throw KerasFormatError(file: reader.file, object: reader.object, .unsupportedActivation(name, supported: ModelBuilder.supportedActivations))
            }
            // Keras 2's hard_sigmoid is clip(0.2 x + 0.5, 0, 1), Keras 3's relu6(x + 3) / 6.
            return reader.writtenByKeras2 && activation == .hardSigmoid ? .hardSigmoidKeras2 : activation
        }, write: { value, flavour in .activation(value, flavour) })
    }
}

extension ValueCoding where Value == Initializer {
    /// A serialised initializer or its name; one this project lacks is ignored with a notice.
    static var initializer: ValueCoding {
        ValueCoding(read: { item, _ in InitializerConfig.initializer(item) }, write: { value, _ in InitializerConfig.json(value) })
    }
}

extension ValueCoding {
    /// `wrapped`'s values or null (written for nil).
    static func optional<Wrapped>(_ wrapped: ValueCoding<Wrapped>) -> ValueCoding where Value == Wrapped? {
        ValueCoding(read: { item, context in try wrapped.read(item, context).map { .some($0) } },
                    write: { value, flavour in value.map { wrapped.write($0, flavour) } ?? .null })
    }
}
