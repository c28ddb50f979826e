import CommandLineSupport
import HDF5
import NeuralNet

/// Renders an ``ObjectNode`` tree as indented text: groups end in `/`, attributes start with `@`.
struct TreeText {
    /// Strings longer than this are shortened unless `full` is set.
    static let shortStringLimit = 72
    let full: Bool

    func lines(_ node: ObjectNode, depth: Int = 0) -> [String] {
        let indent = String(repeating: "  ", count: depth)
        var lines: [String] = []
        switch node.kind {
        case .group:
            let label = node.path == "/" ? "/" : node.name + "/"
            lines.append(indent + label)
        case .dataset(let details):
            var line = "\(indent)\(node.name)  \(details.elementType) \(pythonShape(details.shape))  \(details.byteSize.map(byteCount) ?? "more bytes than can be counted")"
            if details.storage.layout != .contiguous {
                line += ", \(details.storage.layout.rawValue)"
                if let chunks = details.storage.chunks { line += " \(pythonShape(chunks))" }
            }
            if !details.storage.filters.isEmpty {
                line += ", \(details.storage.filters.joined(separator: "+")) (\(byteCount(details.storage.storedBytes)) stored)"
            }
            lines.append(line)
            if let values = details.values { lines += valueLines(values, indent: indent + "    ") }
        case .link(let kind):
            lines.append("\(indent)\(node.name) -> \(linkTarget(kind))")
        case .repeatedGroup:
            lines.append("\(indent)\(node.name)/  (the same group as shown above; not repeated)")
        }
        let inner = String(repeating: "  ", count: depth + 1)
        for attribute in node.attributes {
            lines.append("\(inner)@\(attribute.name) = \(value(attribute))  [\(typeAndShape(attribute.elementType, attribute.shape))]")
        }
        for child in node.children { lines += self.lines(child, depth: depth + 1) }
        return lines
    }

    private func linkTarget(_ kind: LinkKind) -> String {
        switch kind {
        case .softLink(let target): return "soft link to \(target) (not followed)"
        case .externalLink(let file, let object): return "external link to \(object) in \(file) (not followed)"
        default: return "link of unknown kind (not followed)"
        }
    }

    private func value(_ attribute: Attribute) -> String {
        let items: [String]
        switch attribute.value {
        case .strings(let strings): items = strings.map(shortened)
        case .integers(let values): items = values.map(String.init)
        case .unsignedIntegers(let values): items = values.map(String.init)
        case .floats(let values): items = values.map(formatNumber)
        }
        if attribute.shape.isEmpty, let only = items.first { return only }
        let shown = full ? items : Array(items.prefix(32))
        let more = items.count > shown.count ? ", ... (\(items.count - shown.count) more)" : ""
        return "[" + shown.joined(separator: ", ") + more + "]"
    }

    private func shortened(_ text: String) -> String {
        guard !full, text.count > Self.shortStringLimit else { return quoted(text) }
        return quoted(String(text.prefix(Self.shortStringLimit - 12))) + "... (\(describeCount(text.count)) characters; --full shows all)"
    }

    private func valueLines(_ summary: ValueSummary, indent: String) -> [String] {
        var line = "\(indent)values: [" + summary.first.joined(separator: ", ")
        line += summary.count > summary.first.count ? ", ...]" : "]"
        var lines = [line]
        if let minimum = summary.minimum, let maximum = summary.maximum, let mean = summary.mean {
            lines.append("\(indent)min \(formatNumber(minimum))  max \(formatNumber(maximum))  mean \(formatNumber(mean))  NaN \(summary.nanCount)")
        } else if summary.nanCount > 0 {
            lines.append("\(indent)NaN \(summary.nanCount) (every value)")
        }
        return lines
    }
}
