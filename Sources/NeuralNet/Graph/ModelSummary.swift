import Foundation

extension Model {
    /// A table of the layers like Keras's `model.summary()`: each layer's name and class, output shape and
    /// parameter count (and, for a graph that is not a chain, what it takes its inputs from: a shared layer's
    /// calls apart by `;`, a later call's output as `name[call]`), then the totals.
    public func summary() -> String {
        let isChain = self is Sequential
        let calls = callIndices
        let nodesOf = Dictionary(grouping: nodes.indices, by: { ObjectIdentifier(nodes[$0].layer) })
        var rows: [[String]] = layers.map { layer in
            var row = ["\(layer.name) (\(layer.className))", describeShape(layer.outputShape, batch: true),
                       describeCount(layer.weights.reduce(0) { $0 + $1.count })]
            if !isChain {
                row.append(nodesOf[ObjectIdentifier(layer)]!.map { node in
                    nodes[node].inputs.map { input in
                        switch input {
                        case .input(let index): return inputs[index].name
                        case .node(let index, let tensor):
                            return nodes[index].layer.name + (tensor > 0 ? "[\(calls[index])][\(tensor)]" : calls[index] > 0 ? "[\(calls[index])]" : "")
                        }
                    }.joined(separator: ", ")
                }.joined(separator: "; "))
            }
            return row
        }
        let header = ["Layer (type)", "Output Shape", "Param #"] + (isChain ? [] : ["Connected to"])
        rows.insert(header, at: 0)
        let widths = header.indices.map { column in rows.map { $0[column].count }.max() ?? 0 }
        func line(_ row: [String]) -> String {
            "│ " + row.enumerated().map { column, text in
                column == 2 ? String(repeating: " ", count: widths[column] - text.count) + text
                    : text + String(repeating: " ", count: widths[column] - text.count)
            }.joined(separator: " │ ") + " │"
        }
        func rule(_ left: String, _ middle: String, _ right: String) -> String {
            left + widths.map { String(repeating: "─", count: $0 + 2) }.joined(separator: middle) + right
        }
        var lines = ["Model: \"\(name)\"", rule("┌", "┬", "┐"), line(header), rule("├", "┼", "┤")]
        lines += rows.dropFirst().map(line)
        lines.append(rule("└", "┴", "┘"))
        let nonTrainable = layers.flatMap(\.state).reduce(0) { $0 + $1.count }
        for (label, count) in [("Total", parameterCount + nonTrainable), ("Trainable", parameterCount), ("Non-trainable", nonTrainable)] {
            lines.append(" \(label) params: \(describeCount(count)) (\(describeByteSize(count * 4)))")
        }
        return lines.joined(separator: "\n")
    }
}

/// `61706` → `61,706`.
public func describeCount(_ value: Int) -> String {
    let digits = String(value.magnitude)
    var result = ""
    for (index, digit) in digits.enumerated() {
        if index > 0 && (digits.count - index) % 3 == 0 { result += "," }
        result.append(digit)
    }
    return (value < 0 ? "-" : "") + result
}

/// A size in bytes as Keras's summary prints it: `241.04 KB`, with 1,024 bytes to the kilobyte.
public func describeByteSize(_ bytes: Int) -> String {
    var value = Double(bytes)
    var unit = "B"
    for next in ["KB", "MB", "GB"] where value >= 1024 {
        value /= 1024
        unit = next
    }
    return String(format: "%.2f %@", value, unit)
}
