/// Keras `Cropping1D`: steps removed from the start and the end of a (steps, channels) input; ``Cropping2D``
/// over a one-row image.
public final class Cropping1D: OneRowLayer {
    /// Keras's `cropping`: steps removed from the start and from the end.
    public let cropping: (start: Int, end: Int)

    /// Removes `start` steps in front and `end` behind.
    public init(start: Int = 1, end: Int = 1, name: String = "cropping1d") {
        cropping = (start, end)
        super.init(className: "Cropping1D", image: Cropping2D(top: 0, bottom: 0, left: start, right: end, name: name))
    }
}
