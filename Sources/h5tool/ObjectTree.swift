import HDF5

/// A snapshot of an HDF5 object and everything under it, read once and then rendered as text or JSON.
struct ObjectNode {
    enum Kind {
        case group
        case dataset(DatasetDetails)
        case link(LinkKind)
        /// A hard link to a group already shown (a cycle or a second path to it).
        case repeatedGroup
    }

    let name: String
    let path: String
    let kind: Kind
    let attributes: [Attribute]
    let children: [ObjectNode]
}

/// What `dump` shows of a dataset.
struct DatasetDetails {
    let shape: [Int]
    let elementType: ElementType
    let storage: StorageInfo
    let values: ValueSummary?

    /// The values it declares, nil when they do not fit an `Int` (a hostile shape).
    var count: Int? { checkedElementCount(shape) }
    /// The bytes it declares, nil when they do not fit an `Int`.
    var byteSize: Int? {
        guard let count else { return nil }
        let (bytes, overflow) = count.multipliedReportingOverflow(by: elementType.byteSize)
        return overflow ? nil : bytes
    }
}

/// The first values of a dataset and, for numbers, summary statistics.
struct ValueSummary {
    static let shownValues = 8

    let first: [String]
    let count: Int
    let minimum: Double?
    let maximum: Double?
    let mean: Double?
    let nanCount: Int

    static func read(_ dataset: Dataset, type: ElementType) throws -> ValueSummary {
        if case .string = type {
            let strings = try dataset.readStrings()
            return ValueSummary(first: strings.prefix(shownValues).map { quoted($0) }, count: strings.count,
                                minimum: nil, maximum: nil, mean: nil, nanCount: 0)
        }
        guard type.isNumeric else {
            return ValueSummary(first: [], count: 0, minimum: nil, maximum: nil, mean: nil, nanCount: 0)
        }
        let isInteger = if case .integer = type { true } else { false }
        var first: [Double] = [], count = 0, nanCount = 0, sum = 0.0
        var minimum = Double.infinity, maximum = -Double.infinity
        try forEachPiece(of: dataset) { values in
            first += values.prefix(shownValues - first.count)
            for value in values {
                if value.isNaN {
                    nanCount += 1
                } else {
                    minimum = min(minimum, value)
                    maximum = max(maximum, value)
                    sum += value
                }
            }
            count += values.count
        }
        let finite = count - nanCount
        return ValueSummary(
            first: first.map { isInteger ? String(Int64($0)) : formatNumber($0) }, count: count,
            minimum: finite > 0 ? minimum : nil, maximum: finite > 0 ? maximum : nil,
            mean: finite > 0 ? sum / Double(finite) : nil, nanCount: nanCount)
    }

    /// Calls `body` with the dataset's values as float64, a piece of whole rows (about a million values) at a
    /// time, so that a dataset of any size is summarised in little memory.
    private static func forEachPiece(of dataset: Dataset, _ body: ([Double]) -> Void) throws {
        let shape = try dataset.shape()
        guard let rows = shape.first, let rowSize = checkedElementCount(Array(shape.dropFirst())), rowSize > 0 else {
            body(try dataset.read(Double.self))
            return
        }
        let rowsPerPiece = max(1, (1 << 20) / rowSize)
        var piece = [Double](repeating: 0, count: min(rows, rowsPerPiece) * rowSize)
        for start in stride(from: 0, to: rows, by: rowsPerPiece) {
            let end = min(rows, start + rowsPerPiece)
            let values = (end - start) * rowSize
            try piece.withUnsafeMutableBufferPointer { try dataset.read(rows: start..<end, into: .init(rebasing: $0[..<values])) }
            body(Array(piece[..<values]))
        }
    }
}

/// Reads an object tree, following hard links only and showing each group once.
struct ObjectTreeReader {
    let includeValues: Bool

    func read(group: Group, name: String) throws -> ObjectNode {
        var visited = Set<UInt64>()
        return try readGroup(group, name: name, visited: &visited)
    }

    func read(dataset: Dataset, name: String) throws -> ObjectNode {
        ObjectNode(name: name, path: dataset.path, kind: .dataset(try details(dataset)),
                   attributes: try dataset.attributes(), children: [])
    }

    private func readGroup(_ group: Group, name: String, visited: inout Set<UInt64>) throws -> ObjectNode {
        var children: [ObjectNode] = []
        for link in try group.links() {
            let path = group.path == "/" ? "/" + link.name : group.path + "/" + link.name
            switch link.kind {
            case .group:
                if let address = link.address, !visited.insert(address).inserted {
                    children.append(ObjectNode(name: link.name, path: path, kind: .repeatedGroup, attributes: [], children: []))
                } else {
                    children.append(try readGroup(try group.group(link.name), name: link.name, visited: &visited))
                }
            case .dataset:
                children.append(try read(dataset: try group.dataset(link.name), name: link.name))
            default:
                children.append(ObjectNode(name: link.name, path: path, kind: .link(link.kind), attributes: [], children: []))
            }
        }
        return ObjectNode(name: name, path: group.path, kind: .group, attributes: try group.attributes(), children: children)
    }

    private func details(_ dataset: Dataset) throws -> DatasetDetails {
        let type = try dataset.elementType()
        return DatasetDetails(shape: try dataset.shape(), elementType: type, storage: try dataset.storage(),
                              values: includeValues ? try ValueSummary.read(dataset, type: type) : nil)
    }
}
