import Foundation
import NeuralNet
import Testing

/// Conv2D's implicit GEMM (stride 1 over 2 to 31 channels, padded rows at least 8 × (kernel width - 1) wide):
/// the forward pass, the kernel gradient and the input gradient against float64 sums straight from their
/// definitions, on every kernel path this processor runs (its GEMMs read rows that overlap, which no other
/// layer asks of them). GradientTests checks the same backward pass against finite differences.
@Suite struct ImplicitGEMMTests {
    struct Shape: CustomTestStringConvertible, Sendable {
        let window: KernelPathTests.Window
        let filters: Int, batch: Int
        var testDescription: String { "\(window.testDescription) to \(filters), batch \(batch)" }
    }

    /// Odd and even windows, both paddings, uneven padding (2x3 same), the residual CNN's layer, and an image
    /// whose output rows take several chunks.
    static let shapes = [
        Shape(window: .init(height: 6, width: 20, channels: 3, kernel: (3, 3), stride: (1, 1), padding: .same), filters: 5, batch: 3),
        Shape(window: .init(height: 9, width: 40, channels: 4, kernel: (5, 5), stride: (1, 1), padding: .valid), filters: 7, batch: 2),
        Shape(window: .init(height: 10, width: 17, channels: 16, kernel: (2, 3), stride: (1, 1), padding: .same), filters: 16, batch: 2),
        Shape(window: .init(height: 28, width: 28, channels: 16, kernel: (3, 3), stride: (1, 1), padding: .same), filters: 16, batch: 3),
        Shape(window: .init(height: 40, width: 64, channels: 5, kernel: (3, 3), stride: (1, 1), padding: .same), filters: 31, batch: 2),
    ]

    /// Float32 rounding allowed relative to an output's scale (the sum of its terms' magnitudes).
    static let tolerance = 1e-5

    /// A one-layer model with its kernel, bias and input.
    struct Fixture {
        let layer: Conv2D, model: Model
        let input: [Float], kernel: [Float], bias: [Float]
    }

    static func make(_ shape: Shape, workers: Int = 1) throws -> Fixture {
        let w = shape.window
        let layer = Conv2D(filters: shape.filters, kernelSize: w.kernel, padding: w.padding)
        let model = try Sequential(inputShape: [w.height, w.width, w.channels], layers: [layer], workerCount: workers)
        let kernel = KernelPathTests.values(w.patch * shape.filters, seed: 2, scale: 0.3)
        let bias = KernelPathTests.values(shape.filters, seed: 3)
        try layer.kernel.assign(try Tensor(shape: [w.kernel.0, w.kernel.1, w.channels, shape.filters], scalars: kernel))
        try layer.bias!.assign(try Tensor(shape: [shape.filters], scalars: bias))
        return Fixture(layer: layer, model: model, input: KernelPathTests.values(shape.batch * w.imageSize, seed: 1),
                     kernel: kernel, bias: bias)
    }

    @Test(arguments: shapes)
    func forwardMatchesTheFloat64Convolution(_ shape: Shape) throws {
        let made = try Self.make(shape)
        let expected = shape.window.convolve(made.input, batch: shape.batch, kernel: made.kernel, bias: made.bias)
        #expect(made.layer.algorithm(batch: shape.batch, training: true) == .implicitGEMM)
        for path in KernelPathTests.paths {
            var training = [Float](repeating: .nan, count: expected.values.count)
            KernelPath.withCap(path) {
                made.layer.forward(made.input, &training, batch: shape.batch, mode: .training, scratch: LayerScratch(seed: 0))
            }
            let outputs = [("training pass", training), ("predict, one image at a time",
                                                         try KernelPath.withCap(path) { try made.model.predict(made.input, batchSize: 1) })]
            for (what, output) in outputs {
                let error = KernelPathTests.Window.worstRelativeError(output, expected.values, scales: expected.scales)
                #expect(error <= Self.tolerance, "\(what) on \(path): worst error \(error) of the output's scale")
            }
        }
    }

    /// One image shared between two threads, a few output rows each.
    @Test func aSingleImageSharedBetweenThreadsGivesTheSameOutput() throws {
        let shape = Shape(window: .init(height: 48, width: 64, channels: 12, kernel: (3, 3), stride: (1, 1), padding: .same),
                          filters: 31, batch: 1)
        let made = try Self.make(shape, workers: 2)
        #expect(made.layer.algorithm(batch: 1, training: false) == .implicitGEMM)
        let expected = shape.window.convolve(made.input, batch: 1, kernel: made.kernel, bias: made.bias)
        let error = KernelPathTests.Window.worstRelativeError(try made.model.predict(made.input, batchSize: 1), expected.values,
                                                              scales: expected.scales)
        #expect(error <= Self.tolerance)
    }

    /// d(loss)/d(kernel), d(loss)/d(bias) and d(loss)/d(input) for a given output gradient, in float64, with
    /// the scale of each value.
    static func referenceGradients(_ shape: Shape, input: [Float], kernel: [Float], outputGradient: [Float])
        -> (kernel: [Double], kernelScale: [Double], input: [Double], inputScale: [Double]) {
        let w = shape.window, filters = shape.filters
        var dKernel = [Double](repeating: 0, count: kernel.count), kernelScale = dKernel
        var dInput = [Double](repeating: 0, count: input.count), inputScale = dInput
        for image in 0..<shape.batch {
            for y in 0..<w.rows.output {
                for x in 0..<w.columns.output {
                    let g = ((image * w.rows.output + y) * w.columns.output + x) * filters
                    for ky in 0..<w.kernel.0 {
                        for kx in 0..<w.kernel.1 {
                            guard let source = w.source(y, x, ky, kx, 0) else { continue }
                            for c in 0..<w.channels {
                                let at = image * w.imageSize + source + c
                                for f in 0..<filters {
                                    let k = ((ky * w.kernel.1 + kx) * w.channels + c) * filters + f
                                    let toKernel = Double(input[at]) * Double(outputGradient[g + f])
                                    let toInput = Double(kernel[k]) * Double(outputGradient[g + f])
                                    dKernel[k] += toKernel
                                    kernelScale[k] += abs(toKernel)
                                    dInput[at] += toInput
                                    inputScale[at] += abs(toInput)
                                }
                            }
                        }
                    }
                }
            }
        }
        // Inputs no window reads (none here) would have a zero scale; keep the ratio defined.
        return (dKernel, kernelScale.map { max($0, 1e-30) }, dInput, inputScale.map { max($0, 1e-30) })
    }

    @Test(arguments: shapes)
    func backwardMatchesTheFloat64Gradients(_ shape: Shape) throws {
        let made = try Self.make(shape)
        let w = shape.window
        let outputGradient = KernelPathTests.values(shape.batch * w.positions * shape.filters, seed: 4)
        let expected = Self.referenceGradients(shape, input: made.input, kernel: made.kernel, outputGradient: outputGradient)
        let expectedBias = (0..<shape.filters).map { f in
            stride(from: f, to: outputGradient.count, by: shape.filters).reduce(0.0) { $0 + Double(outputGradient[$1]) }
        }
        for path in KernelPathTests.paths {
            var gradient = outputGradient
            var dKernel = [Float](repeating: .nan, count: made.kernel.count), dBias = [Float](repeating: .nan, count: shape.filters)
            var dInput = [Float](repeating: .nan, count: made.input.count)
            let output = [Float](repeating: 0, count: outputGradient.count)
            KernelPath.withCap(path) {
                dKernel.withUnsafeMutableBufferPointer { kernelGradient in
                    dBias.withUnsafeMutableBufferPointer { biasGradient in
                        made.layer.backward(input: made.input, output: output, outputGradient: &gradient, inputGradient: &dInput,
                                            batch: shape.batch, scratch: LayerScratch(seed: 0),
                                            gradients: [kernelGradient.baseAddress!, biasGradient.baseAddress!])
                    }
                }
            }
            let kernelError = KernelPathTests.Window.worstRelativeError(dKernel, expected.kernel, scales: expected.kernelScale)
            let inputError = KernelPathTests.Window.worstRelativeError(dInput, expected.input, scales: expected.inputScale)
            #expect(kernelError <= Self.tolerance, "kernel gradient on \(path): worst error \(kernelError) of its scale")
            #expect(inputError <= Self.tolerance, "input gradient on \(path): worst error \(inputError) of its scale")
            KernelPathTests.expectClose(dBias, expectedBias, tolerance: Double(shape.batch * w.positions) * 1e-7, "bias gradient on \(path)")
        }
    }
}
