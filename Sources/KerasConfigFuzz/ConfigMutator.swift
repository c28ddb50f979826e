import KerasFormat

/// Mutates a model config as JSON: one value, member or element at a time, towards what breaks readers —
/// sizes at the edges of `Int` and of the project's limits, numbers that are not finite, names of other layers
/// and classes, members dropped or repeated, elements removed or doubled.
struct ConfigMutator {
    /// Numbers that sit on an edge somewhere: sizes, limits, `Int` and float32 extremes, non-finite values.
    /// (Held per mutator, not in a global, which LeakSanitizer would report as a leak from the first mutation.)
    let numbers: [JSONValue] = [
        .int(0), .int(1), .int(-1), .int(2), .int(3), .int(7), .int(28), .int(784), .int(1 << 20), .int((1 << 20) + 1), .int(1 << 24),
        .int(1 << 31), .int((1 << 31) - 1), .int(1 << 62), .int(.max), .int(.min + 1), .double(0.5), .double(-0.5), .double(1e-45),
        .double(3.5e38), .double(1e300), .double(-1e300), .double(.nan), .double(.infinity), .double(-.infinity),
    ]

    /// Words configs use: every layer class the project reads, Keras's model classes and common option values.
    let words: [String] = LayerCodecs.classNames + [LayerCodecs.inputLayerClassName, "Sequential", "Functional", "Model", "same", "valid", "causal",
        "channels_first", "relu", "softmax", "linear", "sparsemax", "__keras_tensor__", "", "../x", "a/b"]

    private var state: UInt64

    init(seed: UInt64) { state = seed &+ 0x9e37_79b9_7f4a_7c15 }

    /// SplitMix64.
    private mutating func next() -> UInt64 {
        state &+= 0x9e37_79b9_7f4a_7c15
        var z = state
        z = (z ^ (z >> 30)) &* 0xbf58_476d_1ce4_e5b9
        z = (z ^ (z >> 27)) &* 0x94d0_49bb_1331_11eb
        return z ^ (z >> 31)
    }

    private mutating func below(_ count: Int) -> Int { Int(next() % UInt64(max(1, count))) }

    /// `json` with one node (chosen uniformly among all of them) changed.
    mutating func mutate(_ json: JSONValue) -> JSONValue {
        var strings: [String] = []
        collectStrings(json, into: &strings)
        var target = below(count(json))
        return mutate(json, target: &target, strings: strings)
    }

    private func count(_ json: JSONValue) -> Int {
        switch json {
        case .array(let items): 1 + items.reduce(0) { $0 + count($1) }
        case .object(let object): 1 + object.members.reduce(0) { $0 + count($1.value) }
        default: 1
        }
    }

    private func collectStrings(_ json: JSONValue, into strings: inout [String]) {
        switch json {
        case .string(let text): strings.append(text)
        case .array(let items): items.forEach { collectStrings($0, into: &strings) }
        case .object(let object): object.members.forEach { collectStrings($0.value, into: &strings) }
        default: break
        }
    }

    /// Walks the nodes in order, counting `target` down, and changes the one it reaches zero at.
    private mutating func mutate(_ json: JSONValue, target: inout Int, strings: [String]) -> JSONValue {
        if target == 0 {
            target = -1
            return changed(json, strings: strings)
        }
        target -= 1
        switch json {
        case .array(var items):
            for index in items.indices where target >= 0 { items[index] = mutate(items[index], target: &target, strings: strings) }
            return .array(items)
        case .object(var object):
            for index in object.members.indices where target >= 0 {
                object.members[index].value = mutate(object.members[index].value, target: &target, strings: strings)
            }
            return .object(object)
        default:
            return json
        }
    }

    /// One change to a node.
    private mutating func changed(_ json: JSONValue, strings: [String]) -> JSONValue {
        let number = numbers[below(numbers.count)]
        let word = below(2) == 0 || strings.isEmpty ? words[below(words.count)] : strings[below(strings.count)]
        switch json {
        case .int, .double:
            return below(8) == 0 ? .string(word) : number
        case .string:
            return below(4) == 0 ? number : .string(word)
        case .bool(let flag):
            return below(2) == 0 ? .bool(!flag) : number
        case .null:
            return below(2) == 0 ? number : .array([number, number])
        case .array(var items):
            switch below(4) {
            case 0 where !items.isEmpty: items.remove(at: below(items.count))
            case 1 where !items.isEmpty: items.insert(items[below(items.count)], at: below(items.count + 1))
            case 2: items.append(number)
            default: return number
            }
            return .array(items)
        case .object(var object):
            guard !object.members.isEmpty else { return .null }
            let index = below(object.members.count)
            switch below(3) {
            case 0: object.members.remove(at: index)
            case 1: object.members.append(object.members[index])
            default: object.members[index].value = number
            }
            return .object(object)
        }
    }
}
