import CKernels
import Foundation
import NeuralNet
import Testing

/// Conv2D's Winograd paths (3x3 stride-1 kernels over 16 or more channels and filters: F(4x4, 3x3) at
/// inference, F(2x2, 3x3) in training and on small inference passes) against a float64 direct
/// convolution, and their transforms against their adjoints, on every kernel path this processor runs. The
/// backward pass is checked against finite differences in GradientTests.
@Suite struct WinogradTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let height: Int, width: Int, channels: Int, filters: Int
        let padding: Padding
        let batch: Int
        var testDescription: String { "\(height)x\(width)x\(channels) to \(filters), \(padding), batch \(batch)" }
        /// One image's 3x3 stride-1 window geometry.
        var window: KernelPathTests.Window {
            .init(height: height, width: width, channels: channels, kernel: (3, 3), stride: (1, 1), padding: padding)
        }
    }

    /// Whole and partial tiles, channel counts below, at and past a transform block (64), both paddings.
    static let shapes = [
        Shape(height: 8, width: 8, channels: 16, filters: 16, padding: .same, batch: 8),
        Shape(height: 7, width: 9, channels: 17, filters: 18, padding: .valid, batch: 15),
        Shape(height: 5, width: 13, channels: 70, filters: 67, padding: .same, batch: 8),
        Shape(height: 12, width: 6, channels: 64, filters: 65, padding: .valid, batch: 13),
    ]

    /// The convolution in float64, with each output's scale (see KernelPathTests.Window.convolve).
    static func reference(_ shape: Shape, input: [Float], kernel: [Float], bias: [Float]) -> (values: [Double], scales: [Double]) {
        shape.window.convolve(input, batch: shape.batch, kernel: kernel, bias: bias)
    }

    static func worstRelativeError(_ actual: [Float], _ expected: [Double], scales: [Double]) -> Double {
        KernelPathTests.Window.worstRelativeError(actual, expected, scales: scales)
    }

    /// Float32 rounding allowed relative to an output's scale: Winograd's transforms multiply values by up to
    /// 8 and add them up before and after the products, so it rounds a few times more than a direct sum
    /// (whose bound here would be about the 1e-6 of a few ulps).
    static let tolerance = 2e-5

    /// Inference (F(4x4)) through predict, with the kernel transformed once for the call, and each pass mode
    /// run directly, transforming the kernel itself: inference F(4x4), training F(2x2) over 32 or more
    /// channels and filters (im2col below).
    @Test(arguments: shapes)
    func forwardMatchesTheFloat64Convolution(_ shape: Shape) throws {
        let input = KernelPathTests.values(shape.batch * shape.height * shape.width * shape.channels, seed: 1)
        let kernel = KernelPathTests.values(9 * shape.channels * shape.filters, seed: 2, scale: 0.3)
        let bias = KernelPathTests.values(shape.filters, seed: 3)
        let expected = Self.reference(shape, input: input, kernel: kernel, bias: bias)
        for path in KernelPathTests.paths {
            let layer = Conv2D(filters: shape.filters, kernelSize: (3, 3), padding: shape.padding)
            let model = try Sequential(inputShape: [shape.height, shape.width, shape.channels], layers: [layer], workerCount: 1)
            try layer.kernel.assign(try Tensor(shape: [3, 3, shape.channels, shape.filters], scalars: kernel))
            try layer.bias!.assign(try Tensor(shape: [shape.filters], scalars: bias))
            #expect(layer.algorithm(batch: shape.batch, training: false) == .winograd4x4)
            var outputs = [("predict", try KernelPath.withCap(path) { try model.predict(input, batchSize: shape.batch) })]
            for mode in [PassMode.inference, .training] {
                var output = [Float](repeating: 0, count: expected.values.count)
                KernelPath.withCap(path) {
                    layer.forward(input, &output, batch: shape.batch, mode: mode, scratch: LayerScratch(seed: 0))
                }
                outputs.append(("\(mode) pass (\(layer.algorithm(batch: shape.batch, training: mode == .training).rawValue))", output))
            }
            for (what, output) in outputs {
                let error = Self.worstRelativeError(output, expected.values, scales: expected.scales)
                print("Winograd \(shape.testDescription), \(what) on \(path): worst error \(error) of the output's scale")
                #expect(error <= Self.tolerance, "\(what) on \(path)")
            }
        }
    }

    /// A single image shared between two threads: by tiles (32x32, F(4x4)), or by the points of the
    /// transformed tile when the tiles are few (16x16 on F(4x4), 8x8 on F(2x2)); a single row of many tiles
    /// stays on one thread. On every kernel path.
    @Test(arguments: [(Shape(height: 32, width: 32, channels: 64, filters: 64, padding: .same, batch: 1), ConvolutionAlgorithm.winograd4x4),
                      (Shape(height: 16, width: 16, channels: 32, filters: 48, padding: .same, batch: 1), .winograd4x4),
                      (Shape(height: 10, width: 10, channels: 40, filters: 24, padding: .valid, batch: 1), .winograd2x2),
                      (Shape(height: 4, width: 260, channels: 16, filters: 16, padding: .same, batch: 1), .winograd4x4)])
    func aSingleImageSharedBetweenThreadsGivesTheSameOutput(_ shape: Shape, algorithm: ConvolutionAlgorithm) throws {
        let input = KernelPathTests.values(shape.height * shape.width * shape.channels, seed: 4)
        let kernel = KernelPathTests.values(9 * shape.channels * shape.filters, seed: 5, scale: 0.1)
        let bias = KernelPathTests.values(shape.filters, seed: 6)
        let expected = Self.reference(shape, input: input, kernel: kernel, bias: bias)
        let layer = Conv2D(filters: shape.filters, kernelSize: (3, 3), padding: shape.padding)
        let model = try Sequential(inputShape: [shape.height, shape.width, shape.channels], layers: [layer], workerCount: 2)
        try layer.kernel.assign(try Tensor(shape: [3, 3, shape.channels, shape.filters], scalars: kernel))
        try layer.bias!.assign(try Tensor(shape: [shape.filters], scalars: bias))
        #expect(layer.algorithm(batch: 1, training: false) == algorithm)
        for path in KernelPathTests.paths {
            let error = Self.worstRelativeError(try KernelPath.withCap(path) { try model.predict(input, batchSize: 1) }, expected.values,
                                                scales: expected.scales)
            #expect(error <= Self.tolerance, "\(path): worst error \(error) of the output's scale")
        }
    }

    /// The batch a layer pass sees, for which its algorithm is chosen (`keras-swift bench --layers` names them by
    /// it): the first worker's share, and at inference a slice of it that keeps the largest output near 1 MiB.
    @Test func aPassSeesTheFirstWorkersShareSlicedAtInference() throws {
        // A 64x64x16 output is 256 KiB a sample: inference runs 16 samples at a time (the smallest slice).
        let model = try Sequential(inputShape: [64, 64, 16], layers: [Conv2D(filters: 16, kernelSize: (3, 3), padding: .same)],
                                   workerCount: 2)
        #expect(model.passSize(batch: 128, training: true) == 64)
        #expect(model.passSize(batch: 128, training: false) == 16)
        #expect(model.passSize(batch: 20, training: false) == 10)
        #expect(model.passSize(batch: 3, training: true) == 1)
        #expect(model.passSize(batch: 1, training: false) == 1)
    }

    /// The finite-difference cases named after an algorithm train on it, so that each backward pass is checked.
    @Test func theGradientCasesNamedAfterAnAlgorithmTrainWithIt() throws {
        for (prefix, algorithm, count) in [("Winograd", ConvolutionAlgorithm.winograd2x2, 2), ("implicit GEMM", .implicitGEMM, 3),
                                           ("im2col", .im2col, 3)] {
            let cases = GradientTests.cases.filter { $0.name.hasPrefix(prefix) }
            #expect(cases.count == count, "\(prefix)")
            for testCase in cases {
                let model = try testCase.makeModel()
                let convolution = model.layers.compactMap { $0 as? Conv2D }.last!
                let batch = GradientTests.data(shape: testCase.inputShape).count
                #expect(convolution.algorithm(batch: batch, training: true) == algorithm, "\(testCase.name)")
            }
        }
    }

    /// Σ a·b in float64.
    static func dot(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    /// Each backward transform is the adjoint of its forward one: ⟨T x, y⟩ = ⟨x, Tᵀ y⟩ for random x and y.
    @Test(arguments: shapes, [2, 4])
    func backwardTransformsAreTheAdjointsOfTheForwardOnes(_ shape: Shape, tileSize m: Int) {
        let window = shape.window, before = window.rows.before
        let outHeight = window.rows.output, outWidth = window.columns.output
        let tileRows = (outHeight + m - 1) / m, tileColumns = (outWidth + m - 1) / m, points = (m + 2) * (m + 2)
        let tiles = shape.batch * tileRows * tileColumns
        let (h, w, c, f) = (shape.height, shape.width, shape.channels, shape.filters)
        let images = KernelPathTests.values(shape.batch * h * w * c, seed: 7)
        let outputs = KernelPathTests.values(shape.batch * outHeight * outWidth * f, seed: 8)
        let kernel = KernelPathTests.values(9 * c * f, seed: 9)
        let transformedTiles = KernelPathTests.values(points * tiles * c, seed: 10)
        let transformedProducts = KernelPathTests.values(points * tiles * f, seed: 11)
        let transformedKernel = KernelPathTests.values(points * c * f, seed: 12)
        for path in KernelPathTests.paths {
            KernelPath.withCap(path) {
                var forward = [Float](repeating: 0, count: points * tiles * c), backward = [Float](repeating: 0, count: images.count)
                let half = tiles / 2
                ck_winograd_input(m, images, &forward, h, w, c, before, before, tileRows, tileColumns, 0, tiles)
                ck_winograd_input_gradient(m, transformedTiles, &backward, h, w, c, before, before, tileRows, tileColumns, 0, tiles)
                expectAdjoint(Self.dot(forward, transformedTiles), Self.dot(images, backward), "input tiles with m = \(m) on \(path)")
                // A range of tiles that starts mid-image transforms as it does within the whole batch.
                var part = [Float](repeating: 0, count: points * (tiles - half) * c)
                ck_winograd_input(m, images, &part, h, w, c, before, before, tileRows, tileColumns, half, tiles - half)
                for point in 0..<points {
                    let whole = Array(forward[(point * tiles + half) * c..<(point + 1) * tiles * c])
                    #expect(Array(part[point * (tiles - half) * c..<(point + 1) * (tiles - half) * c]) == whole, "tiles from \(half) with m = \(m) on \(path)")
                }

                var written = [Float](repeating: 0, count: outputs.count), products = [Float](repeating: 0, count: points * tiles * f)
                ck_winograd_output(m, transformedProducts, &written, nil, outHeight, outWidth, f, tileRows, tileColumns, 0, tiles)
                ck_winograd_output_gradient(m, outputs, &products, outHeight, outWidth, f, tileRows, tileColumns, 0, tiles)
                expectAdjoint(Self.dot(written, outputs), Self.dot(transformedProducts, products), "output tiles with m = \(m) on \(path)")

                var transformed = [Float](repeating: 0, count: points * c * f), gradient = [Float](repeating: 0, count: 9 * c * f)
                ck_winograd_kernel(m, kernel, &transformed, c, f)
                ck_winograd_kernel_gradient(m, transformedKernel, &gradient, c, f)
                expectAdjoint(Self.dot(transformed, transformedKernel), Self.dot(kernel, gradient), "kernel with m = \(m) on \(path)")
            }
        }
    }

    func expectAdjoint(_ a: Double, _ b: Double, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        #expect(abs(a - b) <= 1e-5 * max(1, abs(a)), "\(what): \(a) against \(b)", sourceLocation: sourceLocation)
    }
}
