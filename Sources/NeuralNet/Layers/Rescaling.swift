/// Keras `Rescaling`: `y = x * scale + offset` (for example `Rescaling(1/255)` in front of a model).
public final class Rescaling: ElementwiseLayer {
    public var name: String
    public let className = "Rescaling"
    /// Keras's `scale`.
    public let scale: Float
    /// Keras's `offset`.
    public let offset: Float
    public var inputShape: [Int] = []

    /// A layer multiplying by `scale` and adding `offset`.
    public init(scale: Float, offset: Float = 0, name: String = "rescaling") {
        self.scale = scale
        self.offset = offset
        self.name = name
    }

    public func value(at x: Float) -> Float { x * scale + offset }
    public func slope(at x: Float) -> Float { scale }
}
