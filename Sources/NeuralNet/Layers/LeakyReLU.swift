/// Keras `LeakyReLU`: `x` for positive values, `negativeSlope * x` otherwise.
public final class LeakyReLU: ElementwiseLayer {
    public var name: String
    public let className = "LeakyReLU"
    /// Keras 3's `negative_slope` (Keras 2's `alpha`).
    public let negativeSlope: Float
    public var inputShape: [Int] = []

    /// Keras's default slope is 0.3.
    public init(negativeSlope: Float = 0.3, name: String = "leaky_re_lu") {
        self.negativeSlope = negativeSlope
        self.name = name
    }

    public func validate() throws {
        guard negativeSlope >= 0 else { throw ModelError.invalidInput(layer: name, reason: "negative_slope must not be negative, got \(negativeSlope)") }
    }

    public func value(at x: Float) -> Float { x > 0 ? x : negativeSlope * x }
    public func slope(at x: Float) -> Float { x > 0 ? 1 : negativeSlope }
}
