/// Keras `MaxPooling1D` and `AveragePooling1D`: ``Pooling2D`` along the steps of a (steps, channels) input.
public final class Pooling1D: OneRowLayer {
    /// Maximum or average.
    public let kind: Pooling2D.Kind
    /// Keras's `pool_size`.
    public let poolSize: Int
    /// Keras's `strides`.
    public let strides: Int
    /// Keras's `padding`.
    public let padding: Padding

    /// `strides` defaults to the pool size, as in Keras.
    public init(_ kind: Pooling2D.Kind, poolSize: Int = 2, strides: Int? = nil, padding: Padding = .valid, name: String? = nil) {
        self.kind = kind
        self.poolSize = poolSize
        self.strides = strides ?? poolSize
        self.padding = padding
        let name = name ?? (kind == .max ? "max_pooling1d" : "average_pooling1d")
        super.init(className: kind == .max ? "MaxPooling1D" : "AveragePooling1D",
                   image: Pooling2D(kind, poolSize: (1, poolSize), strides: (1, strides ?? poolSize), padding: padding, name: name))
    }
}
