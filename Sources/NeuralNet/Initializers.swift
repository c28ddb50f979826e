/// Creates layer parameters: with Keras's default initialisers (Glorot-uniform kernels, zero biases), or left
/// unset when the weights are about to be loaded from a file, which writes every value or fails.
public struct ParameterInitializer {
    /// The random source; nil leaves every parameter unset.
    var generator: SeededGenerator?

    /// Draws Keras's default initial values from `seed`; nil leaves the parameters for a file to fill.
    public init(seed: UInt64?) {
        generator = seed.map(SeededGenerator.init(seed:))
    }

    /// The largest parameter a layer may have (2^28 floats, 1 GiB): configs asking for more are refused
    /// before any memory is allocated.
    public static let maximumParameterCount = 1 << 28

    /// Refuses a kernel shape beyond ``maximumParameterCount``, naming the layer.
    static func checkSize(_ shape: [Int], layer: String) throws {
        guard elementCount(shape, atMost: maximumParameterCount) != nil else {
            throw ModelError.invalidInput(layer: layer, reason: "a kernel of shape \(describeShape(shape)) is larger than the limit of \(maximumParameterCount) values")
        }
    }

    /// A kernel: GlorotUniform, uniform in ±sqrt(6 / (fan_in + fan_out)); for a conv kernel (kh, kw, in, out)
    /// the fans are kh·kw·in and kh·kw·out, as Keras's `compute_fans` gives them.
    mutating func kernel(shape: [Int]) -> Parameter {
        let parameter = Parameter(name: "kernel", shape: shape, valuesUnset: ())
        guard var generator else { return parameter }
        let receptive = shape.dropLast(2).reduce(1, *)
        let fanIn = Float(shape[shape.count - 2] * receptive)
        let fanOut = Float(shape[shape.count - 1] * receptive)
        let limit = (6 / max(1, fanIn + fanOut)).squareRoot()
        for i in 0..<parameter.count { parameter.value[i] = (generator.nextUnitFloat() * 2 - 1) * limit }
        self.generator = generator
        return parameter
    }

    /// A bias: zeros, or unset when loading.
    func bias(count: Int) -> Parameter { constant(name: "bias", shape: [count], value: 0) }

    /// A parameter of one value everywhere (Keras's `zeros`, `ones`), or unset when loading.
    func constant(name: String, shape: [Int], value: Float) -> Parameter {
        let parameter = Parameter(name: name, shape: shape, valuesUnset: ())
        if generator != nil { parameter.value.update(repeating: value, count: parameter.count) }
        return parameter
    }
}
