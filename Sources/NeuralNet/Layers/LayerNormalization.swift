/// Keras `LayerNormalization`: each sample's values over the last axes (Keras's `axis`, here a run of trailing
/// axes) brought to mean 0 and variance 1, `(x - mean) / sqrt(variance + epsilon)`, then scaled by `gamma` and
/// shifted by `beta` (each optional, shaped as the normalised axes).
public final class LayerNormalization: UnaryLayer {
    public var name: String
    public let className = "LayerNormalization"
    /// Keras passes a mask on through it.
    public var maskHandling: MaskHandling { .passes }
    /// The normalised axes, counting the batch axis as 0 (negative counts from the end), as Keras's `axis`.
    public let axes: [Int]
    /// Keras's `epsilon`.
    public let epsilon: Float
    /// Keras's `center`: learn `beta`.
    public let center: Bool
    /// Keras's `scale`: learn `gamma`.
    public let scale: Bool
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }
    public private(set) var parameters: [Parameter] = []
    /// Values normalised together (the product of the normalised axes).
    private var groupSize = 1

    /// A layer normalising over `axes` (Keras's default, the last axis).
    public init(axes: [Int] = [-1], epsilon: Float = 1e-3, center: Bool = true, scale: Bool = true, name: String = "layer_normalization") {
        self.axes = axes
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.name = name
    }

    /// The scale, when the layer has one.
    public var gamma: Parameter? { scale ? parameters[0] : nil }
    /// The shift, when the layer has one.
    public var beta: Parameter? { center ? parameters[scale ? 1 : 0] : nil }
    /// How `gamma` and `beta` start when the model is trained from scratch (Keras's `gamma_initializer`,
    /// `beta_initializer`).
    public var gammaInitializer = Initializer.ones, betaInitializer = Initializer.zeros

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        let rank = inputShape.count + 1
        let resolved = Set(axes.map { $0 < 0 ? $0 + rank : $0 })
        let trailing = Set((rank - resolved.count)..<rank)
        guard !axes.isEmpty, resolved.count == axes.count, resolved == trailing, !resolved.contains(0) else {
            throw ModelError.invalidInput(layer: name, reason: "axis \(axes) must be the last axes of the input (1...\(rank - 1))")
        }
        guard epsilon > 0 else { throw ModelError.invalidInput(layer: name, reason: "epsilon must be positive") }
        self.inputShape = inputShape
        let shape = Array(inputShape.suffix(resolved.count))
        groupSize = shape.reduce(1, *)
        parameters = (scale ? [initializer.make(gammaInitializer, name: "gamma", shape: shape)] : [])
            + (center ? [initializer.make(betaInitializer, name: "beta", shape: shape)] : [])
    }

    /// A group's mean and `1 / sqrt(variance + epsilon)`, two-pass as TensorFlow's `moments`.
    private func statistics(_ x: UnsafePointer<Float>) -> (mean: Float, inverse: Float) {
        var sum: Float = 0
        for i in 0..<groupSize { sum += x[i] }
        let mean = sum / Float(groupSize)
        var squares: Float = 0
        for i in 0..<groupSize { squares += (x[i] - mean) * (x[i] - mean) }
        return (mean, 1 / (squares / Float(groupSize) + epsilon).squareRoot())
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let gammaValues = gamma?.value, betaValues = beta?.value
        for group in 0..<batch * inputSize / groupSize {
            let x = input + group * groupSize, y = output + group * groupSize
            let (mean, inverse) = statistics(x)
            for i in 0..<groupSize {
                let factor = inverse * (gammaValues?[i] ?? 1)
                y[i] = x[i] * factor + ((betaValues?[i] ?? 0) - mean * factor)
            }
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let gammaGradient = scale ? gradients[0] : nil, betaGradient = center ? gradients[scale ? 1 : 0] : nil
        gammaGradient?.update(repeating: 0, count: groupSize)
        betaGradient?.update(repeating: 0, count: groupSize)
        let count = Float(groupSize), gammaValues = gamma?.value
        for group in 0..<batch * inputSize / groupSize {
            let x = input + group * groupSize, g = outputGradient + group * groupSize
            let (mean, inverse) = statistics(x)
            // With x̂ = (x - mean) r and h = g gamma: dx = r (h - mean(h) - x̂ mean(h x̂)).
            var sumH: Float = 0, sumHX: Float = 0
            for i in 0..<groupSize {
                let normalized = (x[i] - mean) * inverse
                gammaGradient?[i] += g[i] * normalized
                betaGradient?[i] += g[i]
                let h = g[i] * (gammaValues?[i] ?? 1)
                sumH += h
                sumHX += h * normalized
            }
            guard let inputGradient else { continue }
            let dx = inputGradient + group * groupSize
            for i in 0..<groupSize {
                let normalized = (x[i] - mean) * inverse
                let h = g[i] * (gammaValues?[i] ?? 1)
                dx[i] = inverse * (h - sumH / count - normalized * sumHX / count)
            }
        }
    }
}
