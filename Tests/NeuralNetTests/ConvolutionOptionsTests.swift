import NeuralNet
import Testing

/// Convolutions with every geometry option (rank 1 and 2, strides, dilation, groups, valid/same/causal
/// padding) against the definition of Keras's convolution, worked in float64.
@Suite struct ConvolutionOptionsTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        /// The input's spatial sizes and channels.
        let spatial: [Int], channels: Int
        let filters: Int, kernel: [Int], strides: [Int], dilation: [Int], groups: Int
        let padding: Padding
        /// Keras's output sizes, from its documented arithmetic.
        let expectedSpatial: [Int]
        var testDescription: String { name }

        func makeLayer() -> Convolution {
            spatial.count == 1
                ? Conv1D(filters: filters, kernelSize: kernel[0], strides: strides[0], padding: padding, dilationRate: dilation[0], groups: groups)
                : Conv2D(filters: filters, kernelSize: (kernel[0], kernel[1]), strides: (strides[0], strides[1]), padding: padding,
                         dilationRate: (dilation[0], dilation[1]), groups: groups)
        }

        /// Keras's convolution by its definition: output position p, filter f of group g = f / (filters /
        /// groups), sums kernel[k..., c, f] · input[p · stride + k · dilation - before, g · in/groups + c] over the
        /// taps inside the input.
        func reference(_ input: [Float], kernel weights: [Float], bias: [Float]) -> [Double] {
            let sizes = spatial.count == 1 ? [1] + spatial : spatial
            let k = kernel.count == 1 ? [1] + kernel : kernel, s = strides.count == 1 ? [1] + strides : strides
            let d = dilation.count == 1 ? [1] + dilation : dilation
            let out = expectedSpatial.count == 1 ? [1] + expectedSpatial : expectedSpatial
            // Leading padding: TensorFlow's for same, all of it in front for causal.
            let before = (0..<2).map { axis -> Int in
                let span = (k[axis] - 1) * d[axis] + 1
                switch padding {
                case .valid: return 0
                case .causal: return span - 1
                case .same: return max((out[axis] - 1) * s[axis] + span - sizes[axis], 0) / 2
                }
            }
            let groupChannels = channels / groups, groupFilters = filters / groups
            var result: [Double] = []
            for oy in 0..<out[0] {
                for ox in 0..<out[1] {
                    for f in 0..<filters {
                        var sum = Double(bias[f])
                        for ky in 0..<k[0] {
                            for kx in 0..<k[1] {
                                let iy = oy * s[0] + ky * d[0] - before[0], ix = ox * s[1] + kx * d[1] - before[1]
                                guard iy >= 0, iy < sizes[0], ix >= 0, ix < sizes[1] else { continue }
                                for c in 0..<groupChannels {
                                    let x = input[(iy * sizes[1] + ix) * channels + (f / groupFilters) * groupChannels + c]
                                    sum += Double(x) * Double(weights[((ky * k[1] + kx) * groupChannels + c) * filters + f])
                                }
                            }
                        }
                        result.append(sum)
                    }
                }
            }
            return result
        }
    }

    static let cases: [Case] = [
        Case(name: "2-D dilated, valid", spatial: [9, 8], channels: 3, filters: 4, kernel: [3, 2], strides: [1, 1], dilation: [2, 3],
             groups: 1, padding: .valid, expectedSpatial: [5, 5]),
        Case(name: "2-D dilated, same", spatial: [7, 6], channels: 2, filters: 5, kernel: [3, 3], strides: [1, 1], dilation: [2, 2],
             groups: 1, padding: .same, expectedSpatial: [7, 6]),
        Case(name: "2-D grouped, strided, same", spatial: [8, 7], channels: 6, filters: 9, kernel: [3, 3], strides: [2, 2], dilation: [1, 1],
             groups: 3, padding: .same, expectedSpatial: [4, 4]),
        Case(name: "2-D grouped and dilated", spatial: [8, 8], channels: 4, filters: 4, kernel: [2, 3], strides: [1, 1], dilation: [3, 1],
             groups: 4, padding: .valid, expectedSpatial: [5, 6]),
        Case(name: "2-D 3x3 over 16 channels (Winograd's shape) dilated", spatial: [10, 10], channels: 16, filters: 16, kernel: [3, 3],
             strides: [1, 1], dilation: [2, 2], groups: 1, padding: .same, expectedSpatial: [10, 10]),
        Case(name: "2-D 1x1 (the input as its column matrix)", spatial: [5, 7], channels: 6, filters: 5, kernel: [1, 1], strides: [1, 1],
             dilation: [1, 1], groups: 1, padding: .same, expectedSpatial: [5, 7]),
        Case(name: "2-D 1x1 strided", spatial: [5, 7], channels: 3, filters: 4, kernel: [1, 1], strides: [2, 2],
             dilation: [1, 1], groups: 1, padding: .valid, expectedSpatial: [3, 4]),
        Case(name: "1-D valid", spatial: [12], channels: 3, filters: 4, kernel: [3], strides: [1], dilation: [1], groups: 1,
             padding: .valid, expectedSpatial: [10]),
        Case(name: "1-D same, strided", spatial: [11], channels: 2, filters: 3, kernel: [4], strides: [3], dilation: [1], groups: 1,
             padding: .same, expectedSpatial: [4]),
        Case(name: "1-D causal, dilated", spatial: [10], channels: 3, filters: 2, kernel: [3], strides: [1], dilation: [4], groups: 1,
             padding: .causal, expectedSpatial: [10]),
        Case(name: "1-D causal, strided", spatial: [10], channels: 2, filters: 2, kernel: [2], strides: [3], dilation: [1], groups: 1,
             padding: .causal, expectedSpatial: [4]),
        Case(name: "1-D grouped, one channel per group", spatial: [9], channels: 4, filters: 8, kernel: [3], strides: [1], dilation: [2],
             groups: 4, padding: .same, expectedSpatial: [9]),
        Case(name: "1-D one channel (the direct kernel's shape)", spatial: [30], channels: 1, filters: 16, kernel: [5], strides: [1],
             dilation: [1], groups: 1, padding: .same, expectedSpatial: [30]),
    ]

    static func values(_ count: Int, seed: UInt64) -> [Float] {
        var generator = SeededGenerator(seed: seed)
        return (0..<count).map { _ in generator.nextUnitFloat() * 2 - 1 }
    }

    @Test(arguments: cases)
    func forwardMatchesKerasDefinition(_ testCase: Case) throws {
        let layer = testCase.makeLayer()
        let batch = 3, inputShape = testCase.spatial + [testCase.channels]
        let model = try Sequential(inputShape: inputShape, layers: [layer], workerCount: 1)
        #expect(layer.outputShape == testCase.expectedSpatial + [testCase.filters])
        #expect(layer.kernel.shape == testCase.kernel + [testCase.channels / testCase.groups, testCase.filters])
        let kernel = Self.values(layer.kernel.count, seed: 5), bias = Self.values(testCase.filters, seed: 6)
        try layer.kernel.assign(Tensor(shape: layer.kernel.shape, scalars: kernel))
        try layer.bias!.assign(Tensor(shape: [testCase.filters], scalars: bias))
        let sampleSize = inputShape.reduce(1, *)
        let input = Self.values(batch * sampleSize, seed: 7)
        let output = try model.predict(input, batchSize: batch)
        let outputSize = layer.outputShape.reduce(1, *)
        for sample in 0..<batch {
            let expected = testCase.reference(Array(input[sample * sampleSize..<(sample + 1) * sampleSize]), kernel: kernel, bias: bias)
            let actual = output[sample * outputSize..<(sample + 1) * outputSize]
            let worst = zip(actual, expected).map { abs(Double($0) - $1) }.max() ?? 0
            #expect(worst <= 1e-5, "\(testCase.name) sample \(sample): max difference \(worst)")
        }
    }

    /// Depthwise and separable convolutions are grouped convolutions with one group per input channel (the
    /// separable one then a 1x1 convolution): each is checked against that definition, with the kernels laid
    /// out as Keras lays them out.
    @Test(arguments: [
        ("2-D, multiplier 2, dilated, same", [7, 6], 3, [3, 2], [1, 1], [2, 1], 2, Padding.same),
        ("2-D, strided, valid", [9, 8], 4, [3, 3], [2, 2], [1, 1], 1, .valid),
        ("1-D, multiplier 3, strided, same", [11], 2, [4], [2], [1], 3, .same),
        ("1-D, dilated, valid", [12], 5, [3], [1], [3], 1, .valid),
        // Multiplier 1 over channels in multiples of 8 and of 32: the interior columns in registers, blocks of
        // one and four vectors, over narrow rows and over wide ones (many interior columns, strided and dilated).
        ("2-D, 8 channels, strided, same", [9, 7], 8, [3, 3], [2, 2], [1, 1], 1, .same),
        ("2-D, 32 channels, dilated, same", [8, 9], 32, [3, 3], [1, 1], [2, 2], 1, .same),
        ("1-D, 16 channels, valid", [10], 16, [3], [1], [1], 1, .valid),
        ("2-D, 16 channels, wide, same", [6, 22], 16, [3, 3], [1, 1], [1, 1], 1, .same),
        ("2-D, 8 channels, wide, strided, dilated, same", [7, 31], 8, [3, 3], [2, 2], [1, 2], 1, .same),
    ])
    func depthwiseAndSeparableMatchGroupedConvolution(name: String, spatial: [Int], channels: Int, kernel: [Int], strides: [Int],
                                                       dilation: [Int], multiplier: Int, padding: Padding) throws {
        let middle = channels * multiplier, filters = 3
        let rank = spatial.count
        let depthwise: DepthwiseConvolution = rank == 1
            ? DepthwiseConv1D(kernelSize: kernel[0], strides: strides[0], padding: padding, depthMultiplier: multiplier, dilationRate: dilation[0])
            : DepthwiseConv2D(kernelSize: (kernel[0], kernel[1]), strides: (strides[0], strides[1]), padding: padding, depthMultiplier: multiplier,
                              dilationRate: (dilation[0], dilation[1]))
        let separable: SeparableConvolution = rank == 1
            ? SeparableConv1D(filters: filters, kernelSize: kernel[0], strides: strides[0], padding: padding, depthMultiplier: multiplier,
                              dilationRate: dilation[0])
            : SeparableConv2D(filters: filters, kernelSize: (kernel[0], kernel[1]), strides: (strides[0], strides[1]), padding: padding,
                              depthMultiplier: multiplier, dilationRate: (dilation[0], dilation[1]))
        let inputShape = spatial + [channels], batch = 2, sampleSize = inputShape.reduce(1, *)
        let depthwiseModel = try Sequential(inputShape: inputShape, layers: [depthwise], workerCount: 1)
        let separableModel = try Sequential(inputShape: inputShape, layers: [separable], workerCount: 1)
        #expect(depthwise.kernel.shape == kernel + [channels, multiplier])
        #expect(separable.depthwiseKernel.shape == kernel + [channels, multiplier])
        #expect(separable.pointwiseKernel.shape == Array(repeating: 1, count: rank) + [middle, filters])
        // (k..., in, multiplier) is, value for value, the grouped kernel (k..., 1, in · multiplier).
        let kernelValues = Self.values(depthwise.kernel.count, seed: 8), bias = Self.values(middle, seed: 9)
        let pointwise = Self.values(middle * filters, seed: 10), pointwiseBias = Self.values(filters, seed: 11)
        try depthwise.kernel.assign(Tensor(shape: depthwise.kernel.shape, scalars: kernelValues))
        try depthwise.bias!.assign(Tensor(shape: [middle], scalars: bias))
        try separable.depthwiseKernel.assign(Tensor(shape: separable.depthwiseKernel.shape, scalars: kernelValues))
        try separable.pointwiseKernel.assign(Tensor(shape: separable.pointwiseKernel.shape, scalars: pointwise))
        try separable.bias!.assign(Tensor(shape: [filters], scalars: pointwiseBias))
        let input = Self.values(batch * sampleSize, seed: 12)
        let depthwiseOutput = try depthwiseModel.predict(input, batchSize: batch)
        let separableOutput = try separableModel.predict(input, batchSize: batch)
        let positions = depthwise.outputShape.dropLast().reduce(1, *)
        for sample in 0..<batch {
            let sampleInput = Array(input[sample * sampleSize..<(sample + 1) * sampleSize])
            let expected = Case(name: name, spatial: spatial, channels: channels, filters: middle, kernel: kernel, strides: strides,
                                dilation: dilation, groups: channels, padding: padding, expectedSpatial: Array(depthwise.outputShape.dropLast()))
                .reference(sampleInput, kernel: kernelValues, bias: bias)
            let actual = depthwiseOutput[sample * positions * middle..<(sample + 1) * positions * middle]
            #expect(zip(actual, expected).allSatisfy { abs(Double($0) - $1) <= 1e-5 }, "\(name): depthwise sample \(sample)")
            // Separable: the depthwise outputs without bias, then a product with the pointwise kernel.
            let unbiased = zip(expected, (0..<expected.count).map { Double(bias[$0 % middle]) }).map { $0 - $1 }
            for position in 0..<positions {
                for f in 0..<filters {
                    var sum = Double(pointwiseBias[f])
                    for j in 0..<middle { sum += unbiased[position * middle + j] * Double(pointwise[j * filters + f]) }
                    let value = separableOutput[(sample * positions + position) * filters + f]
                    #expect(abs(Double(value) - sum) <= 1e-5, "\(name): separable sample \(sample) position \(position) filter \(f)")
                }
            }
        }
    }

    /// A transposed convolution's options, with Keras's output sizes worked out by hand from its arithmetic.
    struct TransposedCase: CustomTestStringConvertible, Sendable {
        let name: String
        let spatial: [Int], channels: Int, filters: Int, kernel: [Int], strides: [Int], dilation: [Int]
        let padding: Padding, outputPadding: [Int]?
        let expectedSpatial: [Int]
        /// How far outputs may lie from the definition per unit of the sum of their terms' magnitudes: 0 but
        /// for Winograd F(4x4), which WinogradTests allows 2e-5 of it (its transforms scale and sum the values
        /// before and after the products).
        var relativeTolerance = 0.0
        var testDescription: String { name }

        func makeLayer() -> ConvolutionTranspose {
            spatial.count == 1
                ? Conv1DTranspose(filters: filters, kernelSize: kernel[0], strides: strides[0], padding: padding,
                                  outputPadding: outputPadding?[0], dilationRate: dilation[0])
                : Conv2DTranspose(filters: filters, kernelSize: (kernel[0], kernel[1]), strides: (strides[0], strides[1]), padding: padding,
                                  outputPadding: outputPadding.map { ($0[0], $0[1]) }, dilationRate: (dilation[0], dilation[1]))
        }

        /// The transposed convolution by its definition (TensorFlow's `conv_transpose`): input position p
        /// spreads input[p, c] · kernel[k..., f, c] onto output position p · stride + k · dilation - before,
        /// where `before` is the leading padding of the convolution from the output back to the input.
        func reference(_ input: [Float], kernel weights: [Float], bias: [Float]) -> [Double] {
            func two(_ values: [Int]) -> [Int] { values.count == 1 ? [1] + values : values }
            let sizes = two(spatial), k = two(kernel), s = two(strides), d = two(dilation), out = two(expectedSpatial)
            let before = (0..<2).map { axis -> Int in
                padding == .same ? max((sizes[axis] - 1) * s[axis] + (k[axis] - 1) * d[axis] + 1 - out[axis], 0) / 2 : 0
            }
            var result = (0..<out[0] * out[1] * filters).map { Double(bias[$0 % filters]) }
            for iy in 0..<sizes[0] {
                for ix in 0..<sizes[1] {
                    for ky in 0..<k[0] {
                        for kx in 0..<k[1] {
                            let oy = iy * s[0] + ky * d[0] - before[0], ox = ix * s[1] + kx * d[1] - before[1]
                            guard oy >= 0, oy < out[0], ox >= 0, ox < out[1] else { continue }
                            for f in 0..<filters {
                                for c in 0..<channels {
                                    result[(oy * out[1] + ox) * filters + f] += Double(input[(iy * sizes[1] + ix) * channels + c])
                                        * Double(weights[((ky * k[1] + kx) * filters + f) * channels + c])
                                }
                            }
                        }
                    }
                }
            }
            return result
        }
    }

    static let transposedCases: [TransposedCase] = [
        TransposedCase(name: "2-D valid, stride 2", spatial: [4, 3], channels: 3, filters: 2, kernel: [3, 3], strides: [2, 2], dilation: [1, 1],
                       padding: .valid, outputPadding: nil, expectedSpatial: [9, 7]),
        TransposedCase(name: "2-D same, stride 2, even kernel", spatial: [4, 3], channels: 2, filters: 3, kernel: [4, 3], strides: [2, 2],
                       dilation: [1, 1], padding: .same, outputPadding: nil, expectedSpatial: [8, 6]),
        TransposedCase(name: "2-D same, output padding", spatial: [4, 3], channels: 4, filters: 2, kernel: [3, 3], strides: [2, 2],
                       dilation: [1, 1], padding: .same, outputPadding: [1, 0], expectedSpatial: [8, 5]),
        TransposedCase(name: "2-D valid, dilated", spatial: [4, 5], channels: 3, filters: 3, kernel: [3, 2], strides: [1, 1], dilation: [2, 2],
                       padding: .valid, outputPadding: nil, expectedSpatial: [8, 7]),
        TransposedCase(name: "2-D valid, output padding, uneven strides", spatial: [3, 3], channels: 2, filters: 2, kernel: [2, 2],
                       strides: [2, 3], dilation: [1, 1], padding: .valid, outputPadding: [1, 2], expectedSpatial: [7, 10]),
        TransposedCase(name: "2-D 1x1 at stride 1", spatial: [4, 3], channels: 3, filters: 2, kernel: [1, 1], strides: [1, 1], dilation: [1, 1],
                       padding: .same, outputPadding: nil, expectedSpatial: [4, 3]),
        // 3x3 at stride 1 over 16 channels and filters: the reversed-kernel convolution by Winograd, F(4x4) on 3 x 256
        // positions (valid: padding 2 each side) and F(2x2) on 3 x 25 (same).
        TransposedCase(name: "2-D 3x3 valid at stride 1 (Winograd F(4x4))", spatial: [14, 14], channels: 16, filters: 16, kernel: [3, 3],
                       strides: [1, 1], dilation: [1, 1], padding: .valid, outputPadding: nil, expectedSpatial: [16, 16], relativeTolerance: 2e-5),
        TransposedCase(name: "2-D 3x3 same at stride 1 (Winograd F(2x2))", spatial: [5, 5], channels: 17, filters: 16, kernel: [3, 3],
                       strides: [1, 1], dilation: [1, 1], padding: .same, outputPadding: nil, expectedSpatial: [5, 5]),
        TransposedCase(name: "1-D same, stride 3", spatial: [5], channels: 3, filters: 2, kernel: [4], strides: [3], dilation: [1],
                       padding: .same, outputPadding: nil, expectedSpatial: [15]),
        TransposedCase(name: "1-D valid, dilated", spatial: [6], channels: 2, filters: 4, kernel: [3], strides: [1], dilation: [3],
                       padding: .valid, outputPadding: nil, expectedSpatial: [12]),
        TransposedCase(name: "1-D 1-wide kernel, stride 2 (gaps of bias)", spatial: [5], channels: 3, filters: 2, kernel: [1], strides: [2],
                       dilation: [1], padding: .valid, outputPadding: nil, expectedSpatial: [10]),
    ]

    @Test(arguments: transposedCases)
    func transposedForwardMatchesDefinition(_ testCase: TransposedCase) throws {
        let layer = testCase.makeLayer()
        let batch = 3, inputShape = testCase.spatial + [testCase.channels]
        let model = try Sequential(inputShape: inputShape, layers: [layer])
        #expect(layer.outputShape == testCase.expectedSpatial + [testCase.filters])
        #expect(layer.kernel.shape == testCase.kernel + [testCase.filters, testCase.channels])
        let kernel = Self.values(layer.kernel.count, seed: 13), bias = Self.values(testCase.filters, seed: 14)
        try layer.kernel.assign(Tensor(shape: layer.kernel.shape, scalars: kernel))
        try layer.bias!.assign(Tensor(shape: [testCase.filters], scalars: bias))
        let sampleSize = inputShape.reduce(1, *), outputSize = layer.outputShape.reduce(1, *)
        let input = Self.values(batch * sampleSize, seed: 15)
        let output = try model.predict(input, batchSize: batch)
        for sample in 0..<batch {
            let sampleInput = Array(input[sample * sampleSize..<(sample + 1) * sampleSize])
            let expected = testCase.reference(sampleInput, kernel: kernel, bias: bias)
            let magnitudes = testCase.reference(sampleInput.map(abs), kernel: kernel.map(abs), bias: bias.map(abs))
            let worst = zip(output[sample * outputSize..<(sample + 1) * outputSize], zip(expected, magnitudes))
                .map { abs(Double($0) - $1.0) - testCase.relativeTolerance * $1.1 }.max() ?? 0
            #expect(worst <= 1e-5, "\(testCase.name) sample \(sample): max difference \(worst) beyond the rounding allowed")
        }
    }

    @Test func transposedOptionsKerasRefusesAreRefused() {
        // Same padding, an even kernel and no output padding left over: the output would not convolve back.
        #expect(throws: ModelError.self) {
            try Sequential(inputShape: [4, 4, 2], layers: [Conv2DTranspose(filters: 2, kernelSize: (2, 2), strides: (2, 2), padding: .same,
                                                                           outputPadding: (0, 0))])
        }
        #expect(throws: ModelError.self) { try Sequential(inputShape: [6, 2], layers: [Conv1DTranspose(filters: 2, kernelSize: 3, strides: 2, outputPadding: 2)]) }
        #expect(throws: ModelError.self) { try Sequential(inputShape: [6, 2], layers: [Conv1DTranspose(filters: 2, kernelSize: 3, strides: 2, dilationRate: 2)]) }
        #expect(throws: ModelError.self) { try Sequential(inputShape: [6, 6, 2], layers: [Conv1DTranspose(filters: 2, kernelSize: 3)]) }
    }

    @Test func groupsMustDivideChannelsAndFilters() {
        #expect(throws: ModelError.self) { try Sequential(inputShape: [5, 5, 3], layers: [Conv2D(filters: 4, kernelSize: (3, 3), groups: 2)]) }
        #expect(throws: ModelError.self) { try Sequential(inputShape: [5, 5, 4], layers: [Conv2D(filters: 3, kernelSize: (3, 3), groups: 2)]) }
    }

    @Test func causalPaddingIsOnlyForOneDimension() {
        #expect(throws: ModelError.self) { try Sequential(inputShape: [5, 5, 3], layers: [Conv2D(filters: 4, kernelSize: (3, 3), padding: .causal)]) }
    }

    @Test func aDilatedKernelLargerThanTheInputIsRefused() {
        #expect(throws: ModelError.self) { try Sequential(inputShape: [6, 2], layers: [Conv1D(filters: 2, kernelSize: 3, dilationRate: 3)]) }
    }
}
