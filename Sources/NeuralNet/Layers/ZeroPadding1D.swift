/// Keras `ZeroPadding1D`: steps of zeros before and after a (steps, channels) input; ``ZeroPadding2D`` over a
/// one-row image.
public final class ZeroPadding1D: OneRowLayer {
    /// Keras's `padding`: steps of zeros added at the start and at the end.
    public let padding: (start: Int, end: Int)

    /// Adds `start` steps of zeros in front and `end` behind.
    public init(start: Int = 1, end: Int = 1, name: String = "zero_padding1d") {
        padding = (start, end)
        super.init(className: "ZeroPadding1D", image: ZeroPadding2D(top: 0, bottom: 0, left: start, right: end, name: name))
    }
}
