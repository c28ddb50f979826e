import Foundation

/// Keras `ELU`: `x` for positive values, `alpha * (exp(x) - 1)` otherwise.
public final class ELU: ElementwiseLayer {
    public var name: String
    public let className = "ELU"
    /// Keras's `alpha`: the negative values' limit is `-alpha`.
    public let alpha: Float
    public var inputShape: [Int] = []

    /// Keras's default `alpha` is 1.
    public init(alpha: Float = 1, name: String = "elu") {
        self.alpha = alpha
        self.name = name
    }

    public func value(at x: Float) -> Float { x > 0 ? x : alpha * Float(expm1(Double(x))) }
    public func slope(at x: Float) -> Float { x > 0 ? 1 : alpha * Float(exp(Double(x))) }
}
