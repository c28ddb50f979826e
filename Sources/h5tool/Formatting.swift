import CommandLineSupport
import Foundation
import HDF5

/// A shape as Python prints a tuple: `()`, `(6,)`, `(5, 5, 1, 6)`.
func pythonShape(_ shape: [Int]) -> String {
    shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
}

/// A shape with unknown dimensions: `(None, 28, 28, 1)`.
func pythonShape(_ shape: [Int?]) -> String {
    let parts = shape.map { $0.map(String.init) ?? "None" }
    return parts.count == 1 ? "(\(parts[0]),)" : "(" + parts.joined(separator: ", ") + ")"
}

/// A float in the shortest form that reads back exactly, trimmed to 7 significant digits.
func formatNumber(_ value: Double) -> String {
    if value.isNaN { return "nan" }
    if value.isInfinite { return value < 0 ? "-inf" : "inf" }
    if value == value.rounded(), abs(value) < 1e15 { return String(Int64(value)) }
    return String(format: "%.7g", value)
}

/// `1536` → `1.5 KiB`.
func byteCount(_ bytes: Int) -> String {
    if bytes < 1024 { return "\(bytes) B" }
    let units = ["KiB", "MiB", "GiB", "TiB"]
    var value = Double(bytes) / 1024
    var unit = 0
    while value >= 1024, unit < units.count - 1 { value /= 1024; unit += 1 }
    return String(format: "%.1f %@", value, units[unit])
}

/// A string in double quotes with JSON escapes, so control characters cannot garble the terminal.
func quoted(_ text: String) -> String {
    var out = "\""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "\"": out += "\\\""
        case "\\": out += "\\\\"
        case "\n": out += "\\n"
        case "\t": out += "\\t"
        case "\r": out += "\\r"
        default:
            if scalar.value < 0x20 || scalar.value == 0x7f {
                out += String(format: "\\u%04x", scalar.value)
            } else {
                out.unicodeScalars.append(scalar)
            }
        }
    }
    return out + "\""
}

/// A short description of an attribute's type and shape: `string (variable length, UTF-8), scalar`.
func typeAndShape(_ type: ElementType, _ shape: [Int]) -> String {
    "\(type), " + (shape.isEmpty ? "scalar" : pythonShape(shape))
}
