import CKernels
import Foundation
import NeuralNet
import Testing

/// Every C kernel besides the GEMM (see MatrixMultiplyTests), on every instruction-set path this processor
/// runs, against a float64 reference (or exactly, for kernels that only move values): activations, sums,
/// BatchNormalization's per-channel passes, optimizer steps, im2col and its adjoint, pooling, transposes and
/// the single-channel convolution, over every batch size from 1 to 32 where the kernel sees the batch.
@Suite struct KernelPathTests {
    static let paths = KernelPath.available
    static let batchSizes = Array(1...32)

    /// `count` values in [-scale, scale), the same for the same seed.
    static func values(_ count: Int, seed: Int, scale: Float = 1) -> [Float] {
        var generator = SeededGenerator(seed: UInt64(seed) &* 0x9E37_79B9 &+ 17)
        return (0..<count).map { _ in (generator.nextUnitFloat() * 2 - 1) * scale }
    }

    static func expectClose(_ actual: [Float], _ expected: [Double], tolerance: Double, _ what: String,
                            sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(actual.count == expected.count, sourceLocation: sourceLocation)
        let worst = zip(actual, expected).enumerated().max { abs(Double($0.1.0) - $0.1.1) < abs(Double($1.1.0) - $1.1.1) }
        guard let (index, (a, e)) = worst, abs(Double(a) - e) > tolerance else { return }
        Issue.record("\(what): value \(index) is \(a), float64 gives \(e) (tolerance \(tolerance))", sourceLocation: sourceLocation)
    }

    @Test func aCapChoosesEachPathAndNeverAWiderOneThanTheProcessorRuns() {
        print("kernel paths tested on this processor: \(Self.paths.map(\.description).joined(separator: ", "))")
        #expect(Self.paths.first == .portable && Self.paths.last == KernelPath.supported)
        for path in KernelPath.allCases {
            let taken = KernelPath.withCap(path) { KernelPath.current }
            #expect(taken == min(path, KernelPath.supported))
        }
        #expect(KernelPath.current == KernelPath.supported, "the cap is the calling thread's only while the body runs")
    }

    // MARK: Activations and elementwise kernels

    static let widths = [1, 3, 10, 16, 17, 64]

    /// An activation's value in float64, with Keras 3's formulas.
    static func reference(_ kind: Activation, _ row: [Double]) -> [Double] {
        func hardSigmoid(_ x: Double) -> Double { min(max(x + 3, 0), 6) / 6 }
        let seluAlpha = 1.6732632423543772, seluScale = 1.0507009873554805
        switch kind {
        case .linear: return row
        case .relu: return row.map { max($0, 0) }
        case .tanh: return row.map { Foundation.tanh($0) }
        case .sigmoid: return row.map { 1 / (1 + Foundation.exp(-$0)) }
        case .softmax:
            let top = row.max() ?? 0
            let exps = row.map { Foundation.exp($0 - top) }
            let sum = exps.reduce(0, +)
            return exps.map { $0 / sum }
        case .relu6: return row.map { min(max($0, 0), 6) }
        case .leakyReLU: return row.map { $0 > 0 ? $0 : 0.2 * $0 }
        case .elu: return row.map { $0 > 0 ? $0 : Foundation.expm1($0) }
        case .selu: return row.map { seluScale * ($0 > 0 ? $0 : seluAlpha * Foundation.expm1($0)) }
        case .gelu: return row.map { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }
        case .silu: return row.map { $0 / (1 + Foundation.exp(-$0)) }
        case .mish: return row.map { $0 * Foundation.tanh(Foundation.log1p(Foundation.exp($0))) }
        case .softplus: return row.map { Foundation.log1p(Foundation.exp($0)) }
        case .softsign: return row.map { $0 / (1 + abs($0)) }
        case .hardSigmoid: return row.map(hardSigmoid)
        case .hardSigmoidKeras2: return row.map { min(max(0.2 * $0 + 0.5, 0), 1) }
        case .hardSiLU: return row.map { $0 * hardSigmoid($0) }
        case .exponential: return row.map { Foundation.exp($0) }
        case .logSoftmax:
            let top = row.max() ?? 0
            let shift = top + Foundation.log(row.reduce(0) { $0 + Foundation.exp($1 - top) })
            return row.map { $0 - shift }
        }
    }

    /// d(loss)/d(input) in float64 from d(loss)/d(output), the input `x` and the (float32) output `y`.
    static func referenceBackward(_ kind: Activation, gradient: [Double], input: [Double], output: [Double]) -> [Double] {
        let seluAlpha = 1.6732632423543772, seluScale = 1.0507009873554805
        func sigmoid(_ x: Double) -> Double { 1 / (1 + Foundation.exp(-x)) }
        let derivative: (Double, Double) -> Double  // (x, y) -> f'(x)
        switch kind {
        case .softmax:
            let dot = zip(gradient, output).reduce(0) { $0 + $1.0 * $1.1 }
            return zip(gradient, output).map { $1 * ($0 - dot) }
        case .logSoftmax:
            let sum = gradient.reduce(0, +)
            return zip(gradient, output).map { $0 - Foundation.exp($1) * sum }
        case .linear: derivative = { _, _ in 1 }
        case .relu: derivative = { _, y in y > 0 ? 1 : 0 }
        case .tanh: derivative = { _, y in 1 - y * y }
        case .sigmoid: derivative = { _, y in y * (1 - y) }
        case .relu6: derivative = { _, y in y > 0 && y < 6 ? 1 : 0 }
        case .leakyReLU: derivative = { _, y in y > 0 ? 1 : 0.2 }
        case .elu: derivative = { x, _ in x > 0 ? 1 : Foundation.exp(x) }
        case .selu: derivative = { x, _ in x > 0 ? seluScale : seluScale * seluAlpha * Foundation.exp(x) }
        case .gelu: derivative = { x, _ in 0.5 * (1 + Foundation.erf(x / 2.0.squareRoot())) + x * Foundation.exp(-x * x / 2) / (2 * Double.pi).squareRoot() }
        case .silu: derivative = { x, _ in sigmoid(x) * (1 + x * (1 - sigmoid(x))) }
        case .mish:
            derivative = { x, _ in
                let t = Foundation.tanh(Foundation.log1p(Foundation.exp(x)))
                return t + x * (1 - t * t) * sigmoid(x)
            }
        case .softplus: derivative = { x, _ in sigmoid(x) }
        case .softsign: derivative = { x, _ in 1 / ((1 + abs(x)) * (1 + abs(x))) }
        case .hardSigmoid: derivative = { x, _ in x > -3 && x < 3 ? 1.0 / 6 : 0 }
        case .hardSigmoidKeras2: derivative = { x, _ in x > -2.5 && x < 2.5 ? 0.2 : 0 }
        case .hardSiLU: derivative = { x, _ in min(max(x + 3, 0), 6) / 6 + (x > -3 && x < 3 ? x / 6 : 0) }
        case .exponential: derivative = { x, _ in Foundation.exp(x) }
        }
        return gradient.indices.map { gradient[$0] * derivative(input[$0], output[$0]) }
    }

    @Test(arguments: paths, Activation.allCases)
    func activationsAndTheirDerivativesOnEveryBatchSize(path: KernelPath, kind: Activation) {
        KernelPath.withCap(path) {
            for width in Self.widths {
                for rows in Self.batchSizes {
                    // Values over [-4, 4] with some exact zeros, where ReLU's derivative is decided.
                    var x = Self.values(rows * width, seed: rows * 100 + width, scale: 4).enumerated().map { $0 % 7 == 3 ? 0 : $1 }
                    let gradient = Self.values(rows * width, seed: rows * 100 + width + 50)
                    var expected: [Double] = [], expectedGradient: [Double] = []
                    for r in 0..<rows {
                        let row = x[r * width..<(r + 1) * width].map(Double.init)
                        let out = Self.reference(kind, row)
                        expected += out
                        expectedGradient += Self.referenceBackward(kind, gradient: gradient[r * width..<(r + 1) * width].map(Double.init),
                                                                   input: row, output: out.map { Double(Float($0)) })
                    }
                    let input = x
                    kind.apply(&x, rows: rows, width: width)
                    // Absolute bounds, relative where values exceed 1 (exponential reaches e^4).
                    let scale = max(1, expected.map(abs).max() ?? 1), gradientScale = max(1, expectedGradient.map(abs).max() ?? 1)
                    Self.expectClose(x, expected, tolerance: 1e-6 * scale, "\(path) \(kind) forward, \(rows) x \(width)")
                    var backward = gradient
                    kind.backward(gradient: &backward, output: x, input: input, rows: rows, width: width)
                    Self.expectClose(backward, expectedGradient, tolerance: 2e-6 * gradientScale, "\(path) \(kind) backward, \(rows) x \(width)")
                    // Out of place, the same values (linear copies).
                    var separate = [Float](repeating: .nan, count: x.count)
                    kind.apply(input, to: &separate, rows: rows, width: width)
                    #expect(separate == x, "\(path) \(kind) forward out of place, \(rows) x \(width)")
                    var separateGradient = [Float](repeating: .nan, count: x.count)
                    kind.backward(gradient: gradient, into: &separateGradient, output: x, input: input, rows: rows, width: width)
                    #expect(separateGradient == backward, "\(path) \(kind) backward out of place, \(rows) x \(width)")
                }
            }
        }
    }

    @Test(arguments: paths)
    func columnSumsOfEveryBatchSize(path: KernelPath) {
        KernelPath.withCap(path) {
            for width in Self.widths {
                for rows in Self.batchSizes {
                    let grad = Self.values(rows * width, seed: rows * 31 + width)
                    let start = Self.values(width, seed: width)
                    for accumulate in [false, true] {
                        var sums = start
                        ck_column_sums(&sums, grad, rows, width, accumulate ? 1 : 0)
                        let expected = (0..<width).map { j in
                            (0..<rows).reduce(accumulate ? Double(start[j]) : 0) { $0 + Double(grad[$1 * width + j]) }
                        }
                        Self.expectClose(sums, expected, tolerance: Double(rows) * 1e-7, "\(path) column sums, \(rows) x \(width)")
                    }
                }
            }
        }
    }

    @Test(arguments: paths)
    func batchNormalizationKernelsOnEveryBatchSize(path: KernelPath) {
        KernelPath.withCap(path) {
            for channels in [1, 3, 16, 17, 40] {
                for rows in Self.batchSizes {
                    let x = Self.values(rows * channels, seed: rows * 7 + channels, scale: 3)
                    let grad = Self.values(rows * channels, seed: rows * 7 + channels + 500)
                    let mean = Self.values(channels, seed: channels + 1), inverse = Self.values(channels, seed: channels + 2).map { 1.5 + $0 }
                    let factor = Self.values(channels, seed: channels + 3), offset = Self.values(channels, seed: channels + 4)
                    let meanGrad = Self.values(channels, seed: channels + 5), meanProduct = Self.values(channels, seed: channels + 6)
                    let normalized = (0..<rows * channels).map { (x[$0] - mean[$0 % channels]) * inverse[$0 % channels] }
                    let what = "\(path), \(rows) rows of \(channels)"
                    // The sums add to what the buffers hold, in double precision.
                    let start = (0..<channels).map { Double($0) + 0.25 }
                    var sums = start, squares = start, gradientSums = start, products = start
                    ck_channel_moments(x, rows, channels, &sums, &squares)
                    ck_channel_gradient_moments(x, grad, mean, inverse, rows, channels, &gradientSums, &products)
                    for c in 0..<channels {
                        let column = stride(from: c, to: rows * channels, by: channels)
                        let expected = [column.reduce(start[c]) { $0 + Double(x[$1]) },
                                        column.reduce(start[c]) { $0 + Double(x[$1]) * Double(x[$1]) },
                                        column.reduce(start[c]) { $0 + Double(grad[$1]) },
                                        column.reduce(start[c]) { $0 + Double(grad[$1]) * Double(normalized[$1]) }]
                        for (name, (actual, wanted)) in zip(["sum", "square sum", "gradient sum", "product sum"],
                                                            zip([sums[c], squares[c], gradientSums[c], products[c]], expected)) {
                            #expect(abs(actual - wanted) <= 1e-12 * max(1, abs(wanted)), "\(what): channel \(c)'s \(name)")
                        }
                    }
                    var y = [Float](repeating: .nan, count: x.count)
                    ck_channel_affine(x, &y, rows, channels, factor, offset)
                    Self.expectClose(y, x.indices.map { Double(x[$0]) * Double(factor[$0 % channels]) + Double(offset[$0 % channels]) },
                                     tolerance: 1e-6, "\(what): affine")
                    var dx = [Float](repeating: .nan, count: x.count)
                    ck_batch_normalization_backward(x, grad, &dx, rows, channels, mean, inverse, factor, meanGrad, meanProduct)
                    let expectedDx = x.indices.map { i -> Double in
                        let c = i % channels
                        let normalized = (Double(x[i]) - Double(mean[c])) * Double(inverse[c])
                        return Double(factor[c]) * (Double(grad[i]) - Double(meanGrad[c]) - normalized * Double(meanProduct[c]))
                    }
                    Self.expectClose(dx, expectedDx, tolerance: 1e-5, "\(what): input gradient")
                }
            }
        }
    }

    @Test(arguments: paths)
    func elementwiseKernelsOnEveryLength(path: KernelPath) {
        KernelPath.withCap(path) {
            for n in 0...70 {
                let a = Self.values(n, seed: n), b = Self.values(n, seed: n + 1000)
                var sum = a
                ck_add(&sum, b, n)
                Self.expectClose(sum, zip(a, b).map { Double($0) + Double($1) }, tolerance: 1e-7, "\(path) add, n \(n)")
                var product = [Float](repeating: .nan, count: n)
                ck_multiply(&product, a, b, n)
                Self.expectClose(product, zip(a, b).map { Double($0) * Double($1) }, tolerance: 1e-7, "\(path) multiply, n \(n)")
                let specials: [Float] = [.nan, .infinity, -.infinity, .greatestFiniteMagnitude, 0]
                let mixed = a.enumerated().map { $0 % 5 == 2 ? specials[$0 % specials.count] : $1 }
                let nonfinite = mixed.filter { !$0.isFinite }.count
                #expect(ck_count_nonfinite(mixed, n) == nonfinite, "\(path) count of non-finite values, n \(n)")
            }
        }
    }

    // MARK: Optimizer steps

    @Test(arguments: paths)
    func adamStepsMatchTheFormula(path: KernelPath) {
        KernelPath.withCap(path) {
            for n in [1, 7, 16, 33, 100] {
                // With lookup squares (an Embedding's), they take the gradient's square's place in v.
                for (twoParts, amsgrad, decay, lookups) in [(false, false, Float(0), false), (true, false, 0, false), (false, true, 0, false),
                                                            (true, true, 0.05, false), (false, false, 0.05, false), (true, false, 0, true),
                                                            (false, true, 0.05, true)] {
                    let w0 = Self.values(n, seed: n), g0 = Self.values(n, seed: n + 1), extra = Self.values(n, seed: n + 2)
                    let squares = Self.values(n, seed: n + 6).map { $0 * $0 + 0.25 }
                    let m0 = Self.values(n, seed: n + 3, scale: 0.1), v0 = Self.values(n, seed: n + 4).map { $0 * $0 }
                    let vhat0 = Self.values(n, seed: n + 5).map { $0 * $0 }
                    var w = w0, g = g0, m = m0, v = v0, vhat = vhat0
                    let (alpha, beta1, beta2, epsilon, lr): (Float, Float, Float, Float, Float) = (0.01, 0.9, 0.999, 1e-7, 0.02)
                    let label = "\(path) Adam, two parts \(twoParts), amsgrad \(amsgrad), decay \(decay), lookup squares \(lookups), n \(n)"
                    vhat.withUnsafeMutableBufferPointer { largest in
                        ck_adam_update(&w, &g, twoParts ? extra : nil, lookups ? squares : nil, &m, &v, amsgrad ? largest.baseAddress : nil, n,
                                       alpha, beta1, beta2, epsilon, decay, lr)
                    }
                    var expectedW: [Double] = [], expectedM: [Double] = [], expectedV: [Double] = [], expectedHat: [Double] = []
                    for i in 0..<n {
                        let gi = Double(g0[i]) + (twoParts ? Double(extra[i]) : 0)
                        let mi = Double(m0[i]) + (gi - Double(m0[i])) * (1 - Double(beta1))
                        let vi = Double(v0[i]) + ((lookups ? Double(squares[i]) : gi * gi) - Double(v0[i])) * (1 - Double(beta2))
                        let hat = max(Double(vhat0[i]), vi)
                        let decayed = Double(w0[i]) * (1 - Double(decay) * Double(lr))
                        expectedM.append(mi)
                        expectedV.append(vi)
                        expectedHat.append(amsgrad ? hat : Double(vhat0[i]))
                        expectedW.append(decayed - Double(alpha) * mi / ((amsgrad ? hat : vi).squareRoot() + Double(epsilon)))
                    }
                    Self.expectClose(m, expectedM, tolerance: 1e-6, "\(label): m")
                    Self.expectClose(v, expectedV, tolerance: 1e-6, "\(label): v")
                    Self.expectClose(vhat, expectedHat, tolerance: 1e-6, "\(label): vhat")
                    Self.expectClose(w, expectedW, tolerance: 1e-5, "\(label): weights")
                    if twoParts { Self.expectClose(g, zip(g0, extra).map { Double($0) + Double($1) }, tolerance: 1e-7, "\(label): summed gradient") }
                }
            }
        }
    }

    @Test(arguments: paths)
    func nadamStepsMatchTheFormula(path: KernelPath) {
        KernelPath.withCap(path) {
            for n in [1, 7, 16, 33, 100] {
                for lookups in [false, true] {
                    let w0 = Self.values(n, seed: n + 20), g0 = Self.values(n, seed: n + 21), extra = Self.values(n, seed: n + 22)
                    let m0 = Self.values(n, seed: n + 23, scale: 0.1), v0 = Self.values(n, seed: n + 24).map { $0 * $0 }
                    let squares = Self.values(n, seed: n + 25).map { $0 * $0 + 0.25 }
                    var w = w0, g = g0, m = m0, v = v0
                    let (lr, beta1, beta2, epsilon): (Float, Float, Float, Float) = (0.01, 0.9, 0.999, 1e-7)
                    let (ut, ut1, product, product1, beta2Power): (Float, Float, Float, Float, Float) = (0.47, 0.48, 0.2, 0.096, 0.997)
                    ck_nadam_update(&w, &g, extra, lookups ? squares : nil, &m, &v, n, lr, beta1, beta2, epsilon, ut, ut1, product, product1, beta2Power)
                    var expectedW: [Double] = []
                    for i in 0..<n {
                        let gi = Double(g0[i]) + Double(extra[i])
                        let mi = Double(m0[i]) + (gi - Double(m0[i])) * (1 - Double(beta1))
                        let vi = Double(v0[i]) + ((lookups ? Double(squares[i]) : gi * gi) - Double(v0[i])) * (1 - Double(beta2))
                        let mHat = Double(ut1) * mi / (1 - Double(product1)) + (1 - Double(ut)) * gi / (1 - Double(product))
                        let vHat = vi / (1 - Double(beta2Power))
                        expectedW.append(Double(w0[i]) - mHat * Double(lr) / (vHat.squareRoot() + Double(epsilon)))
                    }
                    Self.expectClose(w, expectedW, tolerance: 1e-5, "\(path) Nadam weights, lookup squares \(lookups), n \(n)")
                }
            }
        }
    }

    @Test(arguments: paths)
    func rmspropStepsMatchTheFormula(path: KernelPath) {
        KernelPath.withCap(path) {
            for n in [1, 7, 16, 33, 100] {
                for (momentum, centered, lookups) in [(Float(0), false, false), (0.5, false, false), (0, true, false), (0.5, true, false),
                                                      (0, false, true), (0.5, true, true)] {
                    let w0 = Self.values(n, seed: n + 30), g0 = Self.values(n, seed: n + 31), extra = Self.values(n, seed: n + 32)
                    let squares = Self.values(n, seed: n + 36).map { $0 * $0 + 0.25 }
                    let velocity0 = Self.values(n, seed: n + 33).map { $0 * $0 + 0.5 }, momentum0 = Self.values(n, seed: n + 34, scale: 0.1)
                    let average0 = Self.values(n, seed: n + 35, scale: 0.1)
                    var w = w0, g = g0, velocity = velocity0, slot = momentum0, average = average0
                    let (lr, rho, epsilon): (Float, Float, Float) = (0.01, 0.8, 1e-7)
                    slot.withUnsafeMutableBufferPointer { momentumSlot in
                        average.withUnsafeMutableBufferPointer { averages in
                            ck_rmsprop_update(&w, &g, extra, lookups ? squares : nil, &velocity, momentum > 0 ? momentumSlot.baseAddress : nil,
                                              centered ? averages.baseAddress : nil, n, lr, rho, momentum, epsilon)
                        }
                    }
                    var expectedW: [Double] = [], expectedVelocity: [Double] = []
                    for i in 0..<n {
                        let gi = Double(g0[i]) + Double(extra[i])
                        let vi = Double(rho) * Double(velocity0[i]) + (1 - Double(rho)) * (lookups ? Double(squares[i]) : gi * gi)
                        let ai = Double(rho) * Double(average0[i]) + (1 - Double(rho)) * gi
                        let increment = Double(lr) * gi / ((centered ? vi - ai * ai : vi) + Double(epsilon)).squareRoot()
                        expectedVelocity.append(vi)
                        expectedW.append(Double(w0[i]) - (momentum > 0 ? Double(momentum) * Double(momentum0[i]) + increment : increment))
                    }
                    let label = "\(path) RMSprop momentum \(momentum) centered \(centered) lookup squares \(lookups), n \(n)"
                    Self.expectClose(velocity, expectedVelocity, tolerance: 1e-6, "\(label): velocity")
                    Self.expectClose(w, expectedW, tolerance: 1e-5, "\(label): weights")
                }
            }
        }
    }

    @Test(arguments: paths)
    func sgdStepsMatchTheFormula(path: KernelPath) {
        KernelPath.withCap(path) {
            for n in [1, 7, 16, 33, 100] {
                for (momentum, nesterov) in [(Float(0), false), (0.9, false), (0.9, true)] {
                    let w0 = Self.values(n, seed: n + 10), g0 = Self.values(n, seed: n + 11), extra = Self.values(n, seed: n + 12)
                    let m0 = Self.values(n, seed: n + 13, scale: 0.1)
                    var w = w0, g = g0, m = m0
                    let lr: Float = 0.05
                    ck_sgd_update(&w, &g, extra, &m, n, lr, momentum, nesterov ? 1 : 0)
                    var expectedW: [Double] = [], expectedM: [Double] = []
                    for i in 0..<n {
                        let gi = Double(g0[i]) + Double(extra[i])
                        if momentum == 0 {
                            expectedM.append(Double(m0[i]))
                            expectedW.append(Double(w0[i]) - Double(lr) * gi)
                        } else {
                            let mi = Double(momentum) * Double(m0[i]) - Double(lr) * gi
                            expectedM.append(mi)
                            expectedW.append(Double(w0[i]) + (nesterov ? Double(momentum) * mi - Double(lr) * gi : mi))
                        }
                    }
                    Self.expectClose(m, expectedM, tolerance: 1e-6, "\(path) SGD momentum \(momentum) nesterov \(nesterov), n \(n)")
                    Self.expectClose(w, expectedW, tolerance: 1e-6, "\(path) SGD momentum \(momentum) nesterov \(nesterov), n \(n)")
                }
            }
        }
    }

    // MARK: Image kernels

    /// A convolution or pooling window's geometry over a batch of NHWC images.
    struct Window: CustomTestStringConvertible, Sendable {
        var height: Int, width: Int, channels: Int
        var kernel: (Int, Int), stride: (Int, Int), padding: Padding
        var testDescription: String {
            "\(height)x\(width)x\(channels), \(kernel.0)x\(kernel.1) window, stride \(stride.0)x\(stride.1), \(padding)"
        }
        var rows: (output: Int, before: Int) { padding.geometry(input: height, window: kernel.0, stride: stride.0) }
        var columns: (output: Int, before: Int) { padding.geometry(input: width, window: kernel.1, stride: stride.1) }
        var imageSize: Int { height * width * channels }
        var positions: Int { rows.output * columns.output }
        var patch: Int { kernel.0 * kernel.1 * channels }

        /// The window as the C kernels take it (no dilation, one group).
        var geometry: ck_window {
            ck_window(h: height, w: width, c: channels, kh: kernel.0, kw: kernel.1, sh: stride.0, sw: stride.1, dh: 1, dw: 1,
                      pad_top: rows.before, pad_left: columns.before, oh: rows.output, ow: columns.output, c0: 0, cg: channels)
        }

        /// The input index window position (oy, ox) reads at tap (ky, kx), channel ch; nil in the padding.
        func source(_ oy: Int, _ ox: Int, _ ky: Int, _ kx: Int, _ ch: Int) -> Int? {
            let iy = oy * stride.0 + ky - rows.before, ix = ox * stride.1 + kx - columns.before
            guard iy >= 0, iy < height, ix >= 0, ix < width else { return nil }
            return (iy * width + ix) * channels + ch
        }

        /// The convolution of `batch` images with a Keras `(kh, kw, channels, filters)` kernel in float64,
        /// straight from its definition, and each output's scale: the sum of the magnitudes of its terms,
        /// which bounds the rounding any float32 summation order can add.
        func convolve(_ input: [Float], batch: Int, kernel weights: [Float], bias: [Float]) -> (values: [Double], scales: [Double]) {
            let filters = bias.count
            var values = [Double](), scales = [Double]()
            for image in 0..<batch {
                for y in 0..<rows.output {
                    for x in 0..<columns.output {
                        for f in 0..<filters {
                            var sum = Double(bias[f]), scale = abs(Double(bias[f]))
                            for ky in 0..<kernel.0 {
                                for kx in 0..<kernel.1 {
                                    guard let source = source(y, x, ky, kx, 0) else { continue }
                                    for c in 0..<channels {
                                        let term = Double(input[image * imageSize + source + c])
                                            * Double(weights[((ky * kernel.1 + kx) * channels + c) * filters + f])
                                        sum += term
                                        scale += abs(term)
                                    }
                                }
                            }
                            values.append(sum)
                            scales.append(scale)
                        }
                    }
                }
            }
            return (values, scales)
        }

        /// The worst error of `actual` against `expected` relative to each output's scale.
        static func worstRelativeError(_ actual: [Float], _ expected: [Double], scales: [Double]) -> Double {
            zip(zip(actual, expected), scales).map { pair, scale in abs(Double(pair.0) - pair.1) / scale }.max() ?? 0
        }
    }

    static let windows = [
        Window(height: 28, width: 28, channels: 1, kernel: (3, 3), stride: (1, 1), padding: .valid),
        Window(height: 13, width: 13, channels: 16, kernel: (3, 3), stride: (1, 1), padding: .same),
        Window(height: 9, width: 7, channels: 3, kernel: (5, 5), stride: (2, 2), padding: .same),
        Window(height: 10, width: 11, channels: 6, kernel: (2, 3), stride: (2, 1), padding: .valid),
        Window(height: 6, width: 6, channels: 64, kernel: (3, 3), stride: (2, 2), padding: .valid),
        // Windows that tile the image (stride = window), LeNet-5's first pooling, and with cells left over.
        Window(height: 28, width: 28, channels: 6, kernel: (2, 2), stride: (2, 2), padding: .valid),
        Window(height: 11, width: 13, channels: 5, kernel: (3, 2), stride: (3, 2), padding: .valid),
    ]

    @Test(arguments: paths, windows)
    func im2colCopiesEveryReceptiveFieldAndCol2imAddsThemBack(path: KernelPath, window: Window) {
        KernelPath.withCap(path) {
            let batch = 3, rows = batch * window.positions, patch = window.patch
            let images = Self.values(batch * window.imageSize, seed: window.imageSize)
            let ow = window.columns.output
            // Every row range the layers use: whole batches, single rows, and chunks that cross images.
            for (first, count) in [(0, rows), (0, 1), (rows - 1, 1), (window.positions - 2, 5), (1, rows - 1)] where count > 0 && first + count <= rows {
                var columns = [Float](repeating: .nan, count: count * patch + 16)
                var geometry = window.geometry
                ck_im2col(images, &columns, &geometry, first, count)
                var expected: [Float] = []
                var summed = [Double](repeating: 0, count: batch * window.imageSize)
                for row in first..<first + count {
                    let sample = row / window.positions, position = row % window.positions
                    for ky in 0..<window.kernel.0 {
                        for kx in 0..<window.kernel.1 {
                            for ch in 0..<window.channels {
                                let source = window.source(position / ow, position % ow, ky, kx, ch)
                                expected.append(source.map { images[sample * window.imageSize + $0] } ?? 0)
                                if let source { summed[sample * window.imageSize + source] += Double(expected.last!) }
                            }
                        }
                    }
                }
                #expect(Array(columns[0..<count * patch]) == expected, "\(path) im2col rows \(first)..<\(first + count)")
                var back = [Float](repeating: 0, count: batch * window.imageSize)
                ck_col2im(columns, &back, &geometry, first, count)
                // Each position sums up to kh·kw values below 1 in size.
                Self.expectClose(back, summed, tolerance: Double(window.kernel.0 * window.kernel.1) * 1e-6, "\(path) col2im rows \(first)..<\(first + count)")
            }
        }
    }

    @Test(arguments: paths, windows)
    func poolingForwardAndBackwardOfEachKind(path: KernelPath, window: Window) {
        KernelPath.withCap(path) {
            let (oh, ow, c) = (window.rows.output, window.columns.output, window.channels)
            let image = Self.values(window.imageSize, seed: window.imageSize + 7)
            let outGradient = Self.values(window.positions * c, seed: window.positions)
            for isMax in [true, false] {
                var out = [Float](repeating: .nan, count: window.positions * c)
                var argmax = [Int32](repeating: -1, count: window.positions * c)
                ck_pool_forward(isMax ? 1 : 0, image, &out, &argmax, window.height, window.width, c, window.kernel.0,
                                window.kernel.1, window.stride.0, window.stride.1, window.rows.before, window.columns.before, oh, ow)
                var expected: [Double] = [], expectedGradient = [Double](repeating: 0, count: window.imageSize)
                for position in 0..<window.positions {
                    for ch in 0..<c {
                        let cells = (0..<window.kernel.0).flatMap { ky in
                            (0..<window.kernel.1).compactMap { kx in window.source(position / ow, position % ow, ky, kx, ch) }
                        }
                        let g = Double(outGradient[position * c + ch])
                        if isMax {
                            // The first cell holding the largest value, in row-major order.
                            let best = cells.max { image[$0] < image[$1] || (image[$0] == image[$1] && $0 > $1) }!
                            expected.append(Double(image[best]))
                            expectedGradient[best] += g
                        } else {
                            expected.append(cells.reduce(0) { $0 + Double(image[$1]) } / Double(cells.count))
                            for cell in cells { expectedGradient[cell] += g / Double(cells.count) }
                        }
                    }
                }
                let kind = isMax ? "max" : "average"
                Self.expectClose(out, expected, tolerance: 1e-6, "\(path) \(kind) pooling forward")
                var inputGradient = [Float](repeating: .nan, count: window.imageSize)
                ck_pool_backward(isMax ? 1 : 0, outGradient, &inputGradient, argmax, window.height, window.width, c,
                                 window.kernel.0, window.kernel.1, window.stride.0, window.stride.1, window.rows.before,
                                 window.columns.before, oh, ow)
                Self.expectClose(inputGradient, expectedGradient, tolerance: 1e-6, "\(path) \(kind) pooling backward")
            }
        }
    }

    @Test(arguments: paths)
    func transposeMovesEveryValue(path: KernelPath) {
        KernelPath.withCap(path) {
            for (rows, cols) in [(1, 1), (1, 17), (16, 16), (25, 33), (576, 32)] {
                let source = Self.values(rows * cols, seed: rows * cols)
                var transposed = [Float](repeating: .nan, count: rows * cols)
                ck_transpose(source, &transposed, rows, cols)
                let expected = (0..<cols).flatMap { c in (0..<rows).map { r in source[r * cols + c] } }
                #expect(transposed == expected, "\(path) transpose \(rows) x \(cols)")
            }
        }
    }

    /// The single-channel direct convolution: every filter count it takes, both paddings, 3x3 and 5x5.
    static let singleChannelCases: [(filters: Int, window: Window)] = [1, 2, 3, 5, 6, 8, 16, 32, 64].flatMap { filters in
        [Window(height: 28, width: 28, channels: 1, kernel: (3, 3), stride: (1, 1), padding: .valid),
         Window(height: 28, width: 28, channels: 1, kernel: (3, 3), stride: (1, 1), padding: .same),
         Window(height: 32, width: 32, channels: 1, kernel: (5, 5), stride: (1, 1), padding: .valid),
         Window(height: 11, width: 13, channels: 1, kernel: (5, 5), stride: (1, 1), padding: .same)].map { (filters, $0) }
    }

    @Test(arguments: paths)
    func singleChannelConvolutionAndItsWeightGradient(path: KernelPath) {
        KernelPath.withCap(path) {
            for (f, window) in Self.singleChannelCases {
                let (oh, ow) = (window.rows.output, window.columns.output)
                #expect(ck_conv1_supported(1, 1, window.kernel.0, window.kernel.1, f, ow) != 0)
                let taps = window.kernel.0 * window.kernel.1
                let image = Self.values(window.imageSize, seed: f + window.imageSize)
                let weights = Self.values(taps * f, seed: f * 3 + taps), bias = Self.values(f, seed: f * 5)
                let dz = Self.values(window.positions * f, seed: f * 7 + oh)
                var scratch = [Float](repeating: .nan, count: ck_conv1_scratch_size(window.height, window.width, window.kernel.0,
                                                                                      window.kernel.1, window.rows.before,
                                                                                      window.columns.before, oh, ow, f))
                var out = [Float](repeating: .nan, count: window.positions * f)
                ck_conv1_forward(image, window.height, window.width, weights, bias, &out, window.kernel.0, window.kernel.1,
                                 window.rows.before, window.columns.before, oh, ow, f, &scratch)
                var start = Self.values(taps * f, seed: f)
                let initial = start
                ck_conv1_weight_gradient(image, window.height, window.width, dz, &start, window.kernel.0, window.kernel.1,
                                         window.rows.before, window.columns.before, oh, ow, f, &scratch)
                var expected = [Double](repeating: 0, count: window.positions * f)
                var expectedGradient = initial.map(Double.init)
                for position in 0..<window.positions {
                    for ky in 0..<window.kernel.0 {
                        for kx in 0..<window.kernel.1 {
                            guard let source = window.source(position / ow, position % ow, ky, kx, 0) else { continue }
                            for j in 0..<f {
                                expected[position * f + j] += Double(image[source]) * Double(weights[(ky * window.kernel.1 + kx) * f + j])
                                expectedGradient[(ky * window.kernel.1 + kx) * f + j] += Double(image[source]) * Double(dz[position * f + j])
                            }
                        }
                    }
                    for j in 0..<f { expected[position * f + j] += Double(bias[j]) }
                }
                let what = "\(path) single-channel convolution, \(f) filters, \(window.testDescription)"
                Self.expectClose(out, expected, tolerance: 2e-6, what)
                Self.expectClose(start, expectedGradient, tolerance: Double(window.positions) * 2e-7, what + ", weight gradient")
            }
        }
    }
}
