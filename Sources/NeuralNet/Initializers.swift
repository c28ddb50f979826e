/// How a weight's first values are drawn, by Keras's initializer names. The variance-scaling ones take the fans
/// as Keras's `compute_fans` does (for a convolution kernel (kh, kw, in, out): kh·kw·in and kh·kw·out); their
/// normal forms draw from a normal truncated at two standard deviations, scaled up by 1/0.8796 as Keras's are.
public enum Initializer: Sendable, Equatable {
    case zeros, ones
    case constant(Float)
    case glorotUniform, glorotNormal, heUniform, heNormal, lecunUniform, lecunNormal
    /// Keras's `RandomUniform` (default ±0.05).
    case randomUniform(minimum: Float, maximum: Float)
    /// Keras's `RandomNormal` (default standard deviation 0.05).
    case randomNormal(mean: Float, standardDeviation: Float)
    /// Keras's `TruncatedNormal`: a normal cut at two standard deviations.
    case truncatedNormal(mean: Float, standardDeviation: Float)
    /// Keras's `Orthogonal`: the rows (or columns) of the flattened kernel orthonormal, times `gain`.
    case orthogonal(gain: Float)
}

/// Creates layer parameters: with their initializers (Keras's defaults: Glorot-uniform kernels, zero biases), or
/// left unset when the weights are about to be loaded from a file, which writes every value or fails.
public struct ParameterInitializer {
    /// The random source; nil leaves every parameter unset.
    var generator: SeededGenerator?
    /// Kernel values reserved so far by the layers built through this initializer.
    private var reservedKernelValues = 0

    /// Draws Keras's default initial values from `seed`; nil leaves the parameters for a file to fill.
    public init(seed: UInt64?) {
        generator = seed.map(SeededGenerator.init(seed:))
    }

    /// The largest parameter a layer may have (2^28 floats, 1 GiB): configs asking for more are refused
    /// before any memory is allocated.
    public static let maximumParameterCount = 1 << 28
    /// The most kernel values a model may have in all (2^30 floats, 4 GiB); the other weights are per channel
    /// or feature, which the bound on activations keeps small.
    public static let maximumKernelValues = 1 << 30

    /// Refuses a kernel shape beyond ``maximumParameterCount``, or one that takes the model's kernels past
    /// ``maximumKernelValues``, naming the layer; called before the layer computes anything from the shape.
    mutating func reserveKernel(_ shape: [Int], layer: String) throws {
        guard let count = elementCount(shape, atMost: Self.maximumParameterCount) else {
            throw ModelError.invalidInput(layer: layer, reason: "a kernel of shape \(describeShape(shape)) is larger than the limit of \(Self.maximumParameterCount) values")
        }
        guard reservedKernelValues + count <= Self.maximumKernelValues else {
            throw ModelError.invalidInput(layer: layer, reason: "its kernel takes the model past the limit of \(Self.maximumKernelValues) kernel values in all")
        }
        reservedKernelValues += count
    }

    /// A parameter named `name` drawn by `initializer`.
    mutating func make(_ initializer: Initializer, name: String, shape: [Int]) -> Parameter {
        let parameter = Parameter(name: name, shape: shape, valuesUnset: ())
        guard var generator else { return parameter }
        defer { self.generator = generator }
        let values = UnsafeMutableBufferPointer(start: parameter.value, count: parameter.count)
        let receptive = shape.dropLast(2).reduce(1, *)
        let fanIn = Float(shape.count < 2 ? shape.reduce(1, *) : shape[shape.count - 2] * receptive)
        let fanOut = Float(shape.isEmpty ? 1 : shape[shape.count - 1] * receptive)
        func uniform(_ limit: Float) { for i in values.indices { values[i] = (generator.nextUnitFloat() * 2 - 1) * limit } }
        func truncated(_ mean: Float, _ deviation: Float) {
            for i in values.indices {
                var x: Float
                repeat { x = generator.nextNormalFloat() } while abs(x) > 2
                values[i] = mean + x * deviation
            }
        }
        // Keras's VarianceScaling: uniform within sqrt(3 scale / fan), or truncated normal of sqrt(scale / fan) / 0.8796.
        func scaled(_ scale: Float, fan: Float, normal: Bool) {
            if normal { truncated(0, (scale / max(1, fan)).squareRoot() / 0.879_625_66) } else { uniform((3 * scale / max(1, fan)).squareRoot()) }
        }
        switch initializer {
        case .zeros: values.update(repeating: 0)
        case .ones: values.update(repeating: 1)
        case .constant(let value): values.update(repeating: value)
        case .glorotUniform: uniform((6 / max(1, fanIn + fanOut)).squareRoot())
        case .glorotNormal: scaled(1, fan: (fanIn + fanOut) / 2, normal: true)
        case .heUniform: scaled(2, fan: fanIn, normal: false)
        case .heNormal: scaled(2, fan: fanIn, normal: true)
        case .lecunUniform: scaled(1, fan: fanIn, normal: false)
        case .lecunNormal: scaled(1, fan: fanIn, normal: true)
        case .randomUniform(let minimum, let maximum):
            for i in values.indices { values[i] = minimum + generator.nextUnitFloat() * (maximum - minimum) }
        case .randomNormal(let mean, let deviation):
            for i in values.indices { values[i] = mean + generator.nextNormalFloat() * deviation }
        case .truncatedNormal(let mean, let deviation): truncated(mean, deviation)
        case .orthogonal(let gain): Self.orthogonal(values, shape: shape, gain: gain, generator: &generator)
        }
        return parameter
    }

    /// Keras's Orthogonal: a normal matrix of (the larger, the smaller) of the flattened kernel's rows and
    /// columns made orthonormal column by column (Gram-Schmidt, which gives QR's Q with R's diagonal positive),
    /// transposed when the kernel has fewer rows than columns.
    private static func orthogonal(_ values: UnsafeMutableBufferPointer<Float>, shape: [Int], gain: Float,
                                   generator: inout SeededGenerator) {
        let columns = shape.last ?? 1, rows = max(1, values.count / max(1, columns))
        let tall = max(rows, columns), narrow = min(rows, columns)
        var q = (0..<tall * narrow).map { _ in Double(generator.nextNormalFloat()) }  // column-major, `narrow` columns
        for j in 0..<narrow {
            for k in 0..<j {
                var dot = 0.0
                for i in 0..<tall { dot += q[k * tall + i] * q[j * tall + i] }
                for i in 0..<tall { q[j * tall + i] -= dot * q[k * tall + i] }
            }
            var norm = 0.0
            for i in 0..<tall { norm += q[j * tall + i] * q[j * tall + i] }
            norm = max(norm.squareRoot(), 1e-30)
            for i in 0..<tall { q[j * tall + i] /= norm }
        }
        for row in 0..<rows {
            for column in 0..<columns {
                // Q is tall x narrow; the kernel is Q (rows >= columns) or its transpose.
                let value = rows >= columns ? q[column * tall + row] : q[row * tall + column]
                values[row * columns + column] = gain * Float(value)
            }
        }
    }

    /// A kernel drawn by `initializer` (Keras's default, Glorot uniform).
    mutating func kernel(shape: [Int], _ initializer: Initializer = .glorotUniform) -> Parameter {
        make(initializer, name: "kernel", shape: shape)
    }

    /// A bias drawn by `initializer` (Keras's default, zeros).
    mutating func bias(count: Int, _ initializer: Initializer = .zeros) -> Parameter {
        make(initializer, name: "bias", shape: [count])
    }

    /// A parameter of one value everywhere (Keras's `zeros`, `ones`), or unset when loading.
    func constant(name: String, shape: [Int], value: Float) -> Parameter {
        let parameter = Parameter(name: name, shape: shape, valuesUnset: ())
        if generator != nil { parameter.value.update(repeating: value, count: parameter.count) }
        return parameter
    }
}
