import CKernels

/// Keras `BatchNormalization`: each channel along `axis` brought to mean 0 and variance 1,
/// `(x - mean) / sqrt(variance + epsilon)`, then scaled by `gamma` and shifted by `beta` (each optional).
///
/// Inference normalises with the moving statistics. Training normalises with the mean and (biased) variance of
/// the whole batch, over every axis but `axis`, and moves the statistics towards them as Keras 3 does:
/// `moving = moving * momentum + batch * (1 - momentum)`. The workers' parts of a batch are joined through
/// ``BatchStatisticsLayer``; sums are taken in double precision, so the figures do not depend on how the batch
/// was split.
public final class BatchNormalization: BatchStatisticsLayer {
    public var name: String
    public let className = "BatchNormalization"
    /// Keras's BatchNormalization leaves masked positions out of a training batch's statistics, which is not supported here.
    public var maskHandling: MaskHandling { .unsupported }
    /// The normalised axis, counting the batch axis as 0 (negative counts from the end), as Keras's `axis`.
    public let axis: Int
    /// Keras's `momentum` of the moving statistics.
    public let momentum: Double
    /// Keras's `epsilon`, added to the variance.
    public let epsilon: Double
    /// Keras's `center`: learn `beta`.
    public let center: Bool
    /// Keras's `scale`: learn `gamma`.
    public let scale: Bool
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape }
    public private(set) var parameters: [Parameter] = []
    public private(set) var state: [Parameter] = []
    /// A sample's values as (outer, channels, inner): the axes before the normalised one, it, and those after.
    private var outer = 1, channels = 1, inner = 1
    /// The current training batch's figures per channel (see ``BatchStatisticsLayer``): its mean and
    /// `1 / sqrt(variance + epsilon)`, then the means of d(loss)/d(output) and of its product with the
    /// normalised input.
    private var batchMean: [Float] = [], batchInverse: [Float] = []
    private var gradientMean: [Float] = [], gradientProductMean: [Float] = []

    /// A layer normalising along `axis` (Keras's defaults: the last axis, momentum 0.99, epsilon 0.001).
    public init(axis: Int = -1, momentum: Double = 0.99, epsilon: Double = 1e-3, center: Bool = true, scale: Bool = true,
                name: String = "batch_normalization") {
        self.axis = axis
        self.momentum = momentum
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.name = name
    }

    /// The scale, when the layer has one.
    public var gamma: Parameter? { scale ? parameters[0] : nil }
    /// The shift, when the layer has one.
    public var beta: Parameter? { center ? parameters[scale ? 1 : 0] : nil }
    /// The moving mean, used at inference.
    public var movingMean: Parameter { state[0] }
    /// The moving variance, used at inference.
    public var movingVariance: Parameter { state[1] }
    /// How `gamma`, `beta` and the moving statistics start when the model is trained from scratch (Keras's
    /// `gamma_initializer`, `beta_initializer`, `moving_mean_initializer`, `moving_variance_initializer`).
    public var gammaInitializer = Initializer.ones, betaInitializer = Initializer.zeros
    public var movingMeanInitializer = Initializer.zeros, movingVarianceInitializer = Initializer.ones

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        let rank = inputShape.count + 1
        let resolved = axis < 0 ? axis + rank : axis
        guard (1..<rank).contains(resolved) else {
            throw ModelError.invalidInput(layer: name, reason: "axis \(axis) is not an axis of the input \(describeShape(inputShape, batch: true)) other than the batch")
        }
        guard epsilon > 0, momentum >= 0, momentum <= 1 else {
            throw ModelError.invalidInput(layer: name, reason: "epsilon must be positive and momentum within 0...1")
        }
        self.inputShape = inputShape
        outer = inputShape[..<(resolved - 1)].reduce(1, *)
        channels = inputShape[resolved - 1]
        inner = inputShape[resolved...].reduce(1, *)
        let shape = [channels]
        parameters = (scale ? [initializer.make(gammaInitializer, name: "gamma", shape: shape)] : [])
            + (center ? [initializer.make(betaInitializer, name: "beta", shape: shape)] : [])
        let movingVariance = initializer.make(movingVarianceInitializer, name: "moving_variance", shape: shape)
        movingVariance.isVariance = true
        state = [initializer.make(movingMeanInitializer, name: "moving_mean", shape: shape), movingVariance]
        batchMean = [Float](repeating: 0, count: channels)
        batchInverse = [Float](repeating: 1, count: channels)
        gradientMean = [Float](repeating: 0, count: channels)
        gradientProductMean = [Float](repeating: 0, count: channels)
    }

    /// Calls `body` with the offset of each row of `channels × inner` values in `batch` samples, for a
    /// normalised axis that is not the last. With it last (inner 1, the usual case) the passes call the
    /// per-channel kernels of CKernels instead (normalization.h), which vectorise over each row's channels.
    @inline(__always)
    private func forEachRow(batch: Int, _ body: (Int) -> Void) {
        let rowSize = channels * inner
        for row in 0..<batch * outer { body(row * rowSize) }
    }

    /// Whether the normalised axis is the last (a convolution's channels), so that a convolution before the
    /// layer can take it over at inference (see ``BatchNormalizationFolding``).
    var normalizesLastAxis: Bool { inner == 1 }

    /// The inference pass's `y = x · factor + offset` per channel, from the moving statistics.
    func inferenceAffine(factor: UnsafeMutablePointer<Float>, offset: UnsafeMutablePointer<Float>) {
        let epsilon = Float(self.epsilon), gammaValues = gamma?.value, betaValues = beta?.value
        for c in 0..<channels {
            factor[c] = (gammaValues?[c] ?? 1) / (movingVariance.value[c] + epsilon).squareRoot()
            offset[c] = (betaValues?[c] ?? 0) - movingMean.value[c] * factor[c]
        }
    }

    /// The inference pass as `y = x · factor + offset`, one pair per channel, from the moving statistics (what
    /// an exporter folds into the convolution before the layer).
    public var inferenceScaleAndShift: (factor: [Float], offset: [Float]) {
        var factor = [Float](repeating: 1, count: channels), offset = [Float](repeating: 0, count: channels)
        factor.withUnsafeMutableBufferPointer { f in offset.withUnsafeMutableBufferPointer { inferenceAffine(factor: f.baseAddress!, offset: $0.baseAddress!) } }
        return (factor, offset)
    }

    /// Values normalised together per channel in `batch` samples.
    private func valuesPerChannel(batch: Int) -> Int { batch * outer * inner }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        // y = x * factor + offset per channel, as TensorFlow's batch_normalization composes it.
        let factor = scratch.first.reserve(2 * channels), offset = factor + channels
        if mode == .training {
            let gammaValues = gamma?.value, betaValues = beta?.value
            for c in 0..<channels {
                factor[c] = batchInverse[c] * (gammaValues?[c] ?? 1)
                offset[c] = (betaValues?[c] ?? 0) - batchMean[c] * factor[c]
            }
        } else {
            inferenceAffine(factor: factor, offset: offset)
        }
        let inner = self.inner, channels = self.channels
        if inner == 1 { return ck_channel_affine(input, output, batch * outer, channels, factor, offset) }
        forEachRow(batch: batch) { start in
            let x = input + start, y = output + start
            for c in 0..<channels {
                let a = factor[c], b = offset[c]
                for i in c * inner..<(c + 1) * inner { y[i] = x[i] * a + b }
            }
        }
    }

    public var statisticsCount: Int { 2 * channels }

    public func measureForward(_ input: UnsafePointer<Float>, batch: Int, into sums: UnsafeMutablePointer<Double>) {
        sums.update(repeating: 0, count: 2 * channels)
        let inner = self.inner, channels = self.channels, squares = sums + channels
        if inner == 1 { return ck_channel_moments(input, batch * outer, channels, sums, squares) }
        forEachRow(batch: batch) { start in
            let x = input + start
            for c in 0..<channels {
                var sum = 0.0, squaresSum = 0.0
                for i in c * inner..<(c + 1) * inner {
                    let value = Double(x[i])
                    sum += value
                    squaresSum += value * value
                }
                sums[c] += sum
                squares[c] += squaresSum
            }
        }
    }

    public func useForwardStatistics(_ sums: UnsafePointer<Double>, batch: Int) {
        let count = Double(valuesPerChannel(batch: batch))
        let keep = Float(momentum), take = Float(1 - momentum), epsilon = Float(self.epsilon)
        for c in 0..<channels {
            let mean = sums[c] / count
            let variance = Float(max(0, sums[channels + c] / count - mean * mean))
            batchMean[c] = Float(mean)
            batchInverse[c] = 1 / (variance + epsilon).squareRoot()
            movingMean.value[c] = movingMean.value[c] * keep + Float(mean) * take
            movingVariance.value[c] = movingVariance.value[c] * keep + variance * take
        }
        movingMean.valuesChanged()
        movingVariance.valuesChanged()
    }

    public func measureBackward(_ input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, batch: Int,
                                into sums: UnsafeMutablePointer<Double>, gradients: [UnsafeMutablePointer<Float>]) {
        sums.update(repeating: 0, count: 2 * channels)
        let inner = self.inner, channels = self.channels, products = sums + channels
        batchMean.withUnsafeBufferPointer { mean in
            batchInverse.withUnsafeBufferPointer { inverse in
                if inner == 1 {
                    return ck_channel_gradient_moments(input, outputGradient, mean.baseAddress!, inverse.baseAddress!,
                                                       batch * outer, channels, sums, products)
                }
                forEachRow(batch: batch) { start in
                    let x = input + start, g = outputGradient + start
                    for c in 0..<channels {
                        var sum = 0.0, productSum = 0.0
                        for i in c * inner..<(c + 1) * inner {
                            sum += Double(g[i])
                            productSum += Double(g[i]) * Double((x[i] - mean[c]) * inverse[c])
                        }
                        sums[c] += sum
                        products[c] += productSum
                    }
                }
            }
        }
        // This part's d(loss)/d(gamma) and d(loss)/d(beta): the sums of g x̂ and of g.
        if scale { for c in 0..<channels { gradients[0][c] = Float(products[c]) } }
        if center { for c in 0..<channels { gradients[scale ? 1 : 0][c] = Float(sums[c]) } }
    }

    public func useBackwardStatistics(_ sums: UnsafePointer<Double>, batch: Int) {
        let count = Double(valuesPerChannel(batch: batch))
        for c in 0..<channels {
            gradientMean[c] = Float(sums[c] / count)
            gradientProductMean[c] = Float(sums[channels + c] / count)
        }
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        // The parameter gradients were written by measureBackward (see BatchStatisticsLayer).
        guard let inputGradient else { return }
        // dx = gamma r (g - mean(g) - x̂ mean(g x̂)), with x̂ = (x - mean) r and the means over the batch: per
        // channel, dx = factor (g - meanG - (x - mean) inverse meanGX).
        let mean = scratch.first.reserve(5 * channels), inverse = mean + channels, factor = inverse + channels
        let meanG = factor + channels, meanGX = meanG + channels
        for c in 0..<channels {
            mean[c] = batchMean[c]
            inverse[c] = batchInverse[c]
            factor[c] = batchInverse[c] * (gamma?.value[c] ?? 1)
            meanG[c] = gradientMean[c]
            meanGX[c] = gradientProductMean[c]
        }
        let inner = self.inner, channels = self.channels
        if inner == 1 {
            return ck_batch_normalization_backward(input, outputGradient, inputGradient, batch * outer, channels, mean, inverse,
                                                   factor, meanG, meanGX)
        }
        forEachRow(batch: batch) { start in
            let x = input + start, g = outputGradient + start, dx = inputGradient + start
            for c in 0..<channels {
                for i in c * inner..<(c + 1) * inner {
                    dx[i] = factor[c] * (g[i] - meanG[c] - (x[i] - mean[c]) * inverse[c] * meanGX[c])
                }
            }
        }
    }
}
