/// Keras `Normalization`: `(x - mean) / max(sqrt(variance), 1e-7)` with a mean and variance per position of the
/// kept axes (Keras's `axis`; none keeps one figure for every value), or the inverse,
/// `mean + x · max(sqrt(variance), 1e-7)`, with `invert`.
///
/// The figures are either given (Keras's `mean` and `variance` arguments, written in the config) or learned
/// beforehand by Keras's `adapt` and stored as the non-trainable weights `mean`, `variance` and `count` (the
/// number of samples adapted on, which Keras stores as an integer). Training leaves them as they are.
public final class Normalization: UnaryLayer {
    public var name: String
    public let className = "Normalization"
    /// Keras passes a mask on through it.
    public var maskHandling: MaskHandling { .passes }
    /// The kept axes, counting the batch axis as 0 (negative counts from the end), as Keras's `axis`.
    public let axes: [Int]
    /// Keras's `invert`: undo a normalisation instead.
    public let invert: Bool
    /// The figures given in the config, one value or one per position of the kept axes; nil when they are
    /// weights.
    public let givenMean: [Float]?, givenVariance: [Float]?
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }
    public private(set) var state: [Parameter] = []
    /// Given figures, held apart from the weights.
    private var givenFigures: [Parameter] = []
    /// For each value of a sample, the index of its mean and variance.
    private var figureIndex: [Int32] = []

    /// The smallest standard deviation Keras divides by (its `epsilon()`).
    static let smallestDeviation: Float = 1e-7

    /// A layer over `axes` (Keras's default, the last axis), with given figures or (nil) adapted weights.
    public init(axes: [Int] = [-1], mean: [Float]? = nil, variance: [Float]? = nil, invert: Bool = false,
                name: String = "normalization") {
        self.axes = axes
        givenMean = mean
        givenVariance = variance
        self.invert = invert
        self.name = name
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        let rank = inputShape.count + 1
        let kept = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        guard kept.count == axes.count, kept.allSatisfy({ (1..<rank).contains($0) }) else {
            throw ModelError.invalidInput(layer: name, reason: "axis \(axes) must be distinct axes of the input other than the batch (1...\(rank - 1))")
        }
        guard (givenMean == nil) == (givenVariance == nil) else {
            throw ModelError.invalidInput(layer: name, reason: "mean and variance must be given together")
        }
        self.inputShape = inputShape
        let keptShape = (1..<rank).filter(kept.contains).map { inputShape[$0 - 1] }
        let figureCount = keptShape.reduce(1, *)
        if let givenMean, let givenVariance {
            guard givenMean.count == givenVariance.count, givenMean.count == 1 || givenMean.count == figureCount else {
                throw ModelError.invalidInput(layer: name, reason: "mean and variance must hold one value or \(figureCount), one per position of the kept axes")
            }
            guard (givenMean + givenVariance).allSatisfy(\.isFinite), let smallest = givenVariance.min(), smallest >= 0 else {
                throw ModelError.invalidInput(layer: name, reason: "mean and variance must be finite and the variance 0 or more, found mean \(givenMean.prefix(4)) variance \(givenVariance.prefix(4))")
            }
            // Given figures are config, not weights: they stay out of `state`, which files store.
            givenFigures = [Parameter(name: "mean", Tensor(checkedShape: [givenMean.count], scalars: givenMean)),
                            Parameter(name: "variance", Tensor(checkedShape: [givenVariance.count], scalars: givenVariance))]
        } else {
            let count = initializer.constant(name: "count", shape: [], value: 0)
            count.storedAsInteger = true
            let variance = initializer.constant(name: "variance", shape: keptShape, value: 1)
            variance.isVariance = true
            state = [initializer.constant(name: "mean", shape: keptShape, value: 0), variance, count]
        }
        // One given value serves every position.
        let single = givenMean?.count == 1
        figureIndex = broadcastIndices(inputShape) { !single && kept.contains($0 + 1) }
    }

    /// `max(sqrt(variance), 1e-7)` for figure `index`.
    @inline(__always)
    private func deviation(_ variance: UnsafePointer<Float>, _ index: Int32) -> Float {
        max(variance[Int(index)].squareRoot(), Self.smallestDeviation)
    }

    /// The mean and variance in use: the given ones, or the weights.
    private var meanAndVariance: (UnsafePointer<Float>, UnsafePointer<Float>) {
        let holders = state.isEmpty ? givenFigures : state
        return (UnsafePointer(holders[0].value), UnsafePointer(holders[1].value))
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let (mean, variance) = meanAndVariance, size = inputSize
        for sample in 0..<batch {
            let x = input + sample * size, y = output + sample * size
            for i in 0..<size {
                let k = figureIndex[i]
                y[i] = invert ? mean[Int(k)] + x[i] * deviation(variance, k) : (x[i] - mean[Int(k)]) / deviation(variance, k)
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        guard let inputGradient else { return }
        let (_, variance) = meanAndVariance, size = inputSize
        for sample in 0..<batch {
            let g = outputGradient + sample * size, dx = inputGradient + sample * size
            for i in 0..<size {
                let k = figureIndex[i]
                dx[i] = invert ? g[i] * deviation(variance, k) : g[i] / deviation(variance, k)
            }
        }
    }
}
