/// Named figures in a fixed order, as Keras's `evaluate(return_dict=True)` and `History` name them: `loss`,
/// each output's `NAME_loss` when there are several, then each metric (`NAME_metric` for several outputs).
public struct Scores: Sendable, Equatable, Codable, Sequence {
    /// The names, in order.
    public private(set) var names: [String] = []
    /// The values, in the names' order.
    public private(set) var values: [Double] = []

    /// No figures.
    public init() {}

    /// The figures `pairs` names, in their order.
    public init(_ pairs: [(String, Double)]) {
        for (name, value) in pairs { append(name, value) }
    }

    /// Adds a figure; a name already present gets `_1`, `_2`, ... after it, as Keras names repeated metrics.
    public mutating func append(_ name: String, _ value: Double) {
        var unique = name, repeats = 0
        while names.contains(unique) {
            repeats += 1
            unique = "\(name)_\(repeats)"
        }
        names.append(unique)
        values.append(value)
    }

    /// The figure called `name`, if any.
    public subscript(name: String) -> Double? { names.firstIndex(of: name).map { values[$0] } }

    /// The same figures, each name after `prefix` (Keras's `val_` for validation).
    public func prefixed(_ prefix: String) -> Scores { Scores(zip(names.map { prefix + $0 }, values).map { ($0, $1) }) }

    public func makeIterator() -> some IteratorProtocol<(name: String, value: Double)> {
        zip(names, values).lazy.map { (name: $0, value: $1) }.makeIterator()
    }
}
