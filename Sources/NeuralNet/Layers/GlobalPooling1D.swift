/// Keras `GlobalAveragePooling1D` and `GlobalMaxPooling1D`: each channel's mean or maximum over the steps,
/// shaped `(channels)` or, with `keepdims`, `(1, channels)`; ``GlobalPooling2D`` over a one-row image.
public final class GlobalPooling1D: OneRowLayer {
    /// Average or maximum.
    public let kind: GlobalPooling2D.Kind
    /// Keras's `keepdims`: keep the steps axis, of size 1.
    public let keepDimensions: Bool

    /// A global pooling layer of `kind`.
    public init(_ kind: GlobalPooling2D.Kind, keepDimensions: Bool = false, name: String? = nil) {
        self.kind = kind
        self.keepDimensions = keepDimensions
        let name = name ?? (kind == .max ? "global_max_pooling1d" : "global_average_pooling1d")
        super.init(className: kind == .max ? "GlobalMaxPooling1D" : "GlobalAveragePooling1D",
                   image: GlobalPooling2D(kind, keepDimensions: keepDimensions, name: name))
    }
}
