import Foundation

/// Keras's own naming rules, needed to find weights in `.weights.h5` files and to name layers on export.
public enum KerasNaming {
    /// `keras.src.utils.naming.to_snake_case`: Conv2D → `conv2d`, MaxPooling2D → `max_pooling2d`, PReLU →
    /// `p_re_lu`. Keras's two substitutions, `(.)([A-Z][a-z]+)` then `([a-z])([A-Z])` → `\1_\2`, done as scans
    /// (a configuration may name ten thousand layers).
    public static func snakeCase(_ className: String) -> String {
        let word = Array(className.filter { $0.isLetter || $0.isNumber || $0 == "_" })
        func isUpper(_ c: Character) -> Bool { ("A"..."Z").contains(c) }
        func isLower(_ c: Character) -> Bool { ("a"..."z").contains(c) }
        // Any character, then a capital followed by lower-case letters: an underscore between them.
        var firstPass: [Character] = []
        var i = 0
        while i < word.count {
            firstPass.append(word[i])
            if i + 2 < word.count, isUpper(word[i + 1]), isLower(word[i + 2]) {
                firstPass += ["_", word[i + 1]]
                i += 2
                while i < word.count, isLower(word[i]) {
                    firstPass.append(word[i])
                    i += 1
                }
            } else {
                i += 1
            }
        }
        // A lower-case letter, then a capital: an underscore between them.
        var result = ""
        i = 0
        while i < firstPass.count {
            result.append(firstPass[i])
            if i + 1 < firstPass.count, isLower(firstPass[i]), isUpper(firstPass[i + 1]) {
                result += "_" + String(firstPass[i + 1])
                i += 2
            } else {
                i += 1
            }
        }
        return result.lowercased()
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
