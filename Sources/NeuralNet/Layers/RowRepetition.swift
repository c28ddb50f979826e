/// Copying rows several times over and its adjoint, shared by the layers that repeat values (``RepeatVector``
/// repeats a whole sample, ``UpSampling1D`` each step).
enum RowRepetition {
    /// Writes each of `rows` rows of `width` values `copies` times in a row.
    static func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, rows: Int, width: Int, copies: Int) {
        for row in 0..<rows {
            for copy in 0..<copies { (output + (row * copies + copy) * width).update(from: input + row * width, count: width) }
        }
    }

    /// The gradient of ``forward(_:_:rows:width:copies:)``: each row's is the sum of its copies'.
    static func backward(_ outputGradient: UnsafePointer<Float>, _ inputGradient: UnsafeMutablePointer<Float>, rows: Int, width: Int,
                         copies: Int) {
        for row in 0..<rows {
            let sum = inputGradient + row * width
            sum.update(from: outputGradient + row * copies * width, count: width)
            for copy in 1..<copies {
                let gradient = outputGradient + (row * copies + copy) * width
                for value in 0..<width { sum[value] += gradient[value] }
            }
        }
    }
}
