import Foundation

/// Keras's own naming rules, needed to find weights in `.weights.h5` files and to name layers on export.
public enum KerasNaming {
    /// `keras.src.utils.naming.to_snake_case`: Conv2D → `conv2d`, MaxPooling2D → `max_pooling2d`.
    public static func snakeCase(_ className: String) -> String {
        let word = className.filter { $0.isLetter || $0.isNumber || $0 == "_" }
        let firstPass = replace(word, pattern: "(.)([A-Z][a-z]+)")
        return replace(firstPass, pattern: "([a-z])([A-Z])").lowercased()
    }

    private static func replace(_ text: String, pattern: String) -> String {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return text }
        let range = NSRange(text.startIndex..., in: text)
        return regex.stringByReplacingMatches(in: text, range: range, withTemplate: "$1_$2")
    }

    /// Names made unique the way Keras does it for both layer names and saveable paths: the first use of a
    /// base keeps it, later ones get `_1`, `_2`, ...
    public static func uniqueNames(_ bases: [String]) -> [String] {
        var used = Set<String>()
        var counters: [String: Int] = [:]
        return bases.map { base in
            var candidate = base
            if used.contains(candidate) {
                var counter = counters[base, default: 1]
                while used.contains("\(base)_\(counter)") { counter += 1 }
                candidate = "\(base)_\(counter)"
                counters[base] = counter + 1
            }
            used.insert(candidate)
            return candidate
        }
    }

    /// Where Keras 3 stores the weights of layers of these classes, in model order, under `layers/` of a
    /// `.weights.h5` or `.keras`: each class's snake-case name, made unique (`conv2d`, `conv2d_1`).
    public static func saveableNames(classNames: [String]) -> [String] {
        uniqueNames(classNames.map(snakeCase))
    }

    /// A class name recovered from a snake-case saveable name such as `average_pooling2d_1`, for the layer
    /// classes this project knows; nil otherwise.
    public static func className(fromSaveableName name: String) -> String? {
        var base = name
        if let underscore = base.lastIndex(of: "_"), base[base.index(after: underscore)...].allSatisfy(\.isNumber),
           base.index(after: underscore) != base.endIndex {
            base = String(base[..<underscore])
        }
        return (LayerCodecs.classNames + [InputLayerEntry.className]).first { snakeCase($0) == base }
    }
}
