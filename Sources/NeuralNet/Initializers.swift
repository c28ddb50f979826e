/// Keras's default initialisers.
enum Initializer {
    /// GlorotUniform: uniform in ±sqrt(6 / (fan_in + fan_out)); for a conv kernel (kh, kw, in, out) the fans
    /// are kh·kw·in and kh·kw·out, as Keras's `compute_fans` gives them.
    static func glorotUniform(shape: [Int], generator: inout SeededGenerator) -> Tensor {
        let receptive = shape.dropLast(2).reduce(1, *)
        let fanIn = Float(shape[shape.count - 2] * receptive)
        let fanOut = Float(shape[shape.count - 1] * receptive)
        let limit = (6 / max(1, fanIn + fanOut)).squareRoot()
        let count = shape.reduce(1, *)
        var values = [Float](repeating: 0, count: count)
        for i in 0..<count { values[i] = (generator.nextUnitFloat() * 2 - 1) * limit }
        return Tensor(shape: shape, scalars: values)
    }
}
