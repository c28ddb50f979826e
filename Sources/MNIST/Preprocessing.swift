import NeuralNet

/// How a notebook turned uint8 images into model inputs.
public struct Preprocessing: Sendable, Equatable, CustomStringConvertible {
    /// Zero pixels added on every side (LeNet-5 pads 28x28 to 32x32).
    public var padding: Int
    /// Each pixel is divided by this: `255` for [0, 1] inputs (as numpy's `x / 255.0`), `1` for raw pixels.
    public var divisor: Float
    /// Whether each image becomes one flat row (the MLP) rather than (height, width, 1).
    public var flatten: Bool

    public init(padding: Int = 0, divisor: Float, flatten: Bool = false) {
        self.padding = padding
        self.divisor = divisor
        self.flatten = flatten
    }


    public var description: String {
        var parts = [divisor == 1 ? "raw pixels 0..255" : "pixels / \(formatted(divisor))"]
        if padding > 0 { parts.append("zero-padded by \(padding)") }
        if flatten { parts.append("flattened") }
        return parts.joined(separator: ", ")
    }

    /// The per-sample shape this produces from `rows` × `columns` images.
    public func sampleShape(rows: Int, columns: Int) -> [Int] {
        let shape = [rows + 2 * padding, columns + 2 * padding, 1]
        return flatten ? [shape.reduce(1, *)] : shape
    }

    /// Applies the preprocessing to every image.
    public func apply(_ images: DigitImages) -> Dataset {
        let outRows = images.rows + 2 * padding
        let outColumns = images.columns + 2 * padding
        let inSize = images.rows * images.columns
        let outSize = outRows * outColumns
        var samples = [Float](repeating: 0, count: images.count * outSize)
        images.pixels.withUnsafeBufferPointer { pixels in
            samples.withUnsafeMutableBufferPointer { out in
                for image in 0..<images.count {
                    for row in 0..<images.rows {
                        let source = image * inSize + row * images.columns
                        let target = image * outSize + (row + padding) * outColumns + padding
                        for column in 0..<images.columns {
                            // Division, not multiplication by 1/255, to match numpy's x / 255.0 exactly.
                            out[target + column] = Float(pixels[source + column]) / divisor
                        }
                    }
                }
            }
        }
        return Dataset(sampleShape: sampleShape(rows: images.rows, columns: images.columns), samples: samples,
                       labels: images.labels.map { Int32($0) })
    }
}

private func formatted(_ value: Float) -> String {
    value == value.rounded() ? String(Int(value)) : String(value)
}
