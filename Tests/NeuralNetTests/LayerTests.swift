import NeuralNet
import Testing

/// Runs one layer (in a model of its own) on one sample.
func run(_ layer: Layer, input: [Float], shape: [Int], weights: [Tensor] = [], mode: PassMode = .inference) throws -> [Float] {
    let model = try Sequential(inputShape: shape, layers: [layer], workerCount: 1)
    for (parameter, tensor) in zip(layer.parameters, weights) { try parameter.assign(tensor) }
    return try model.predict(input, batchSize: 1)
}

func expectClose(_ actual: [Float], _ expected: [Float], tolerance: Float = 1e-6, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(actual.count == expected.count, sourceLocation: sourceLocation)
    for (index, (a, e)) in zip(actual, expected).enumerated() where abs(a - e) > tolerance {
        Issue.record("value \(index): \(a) differs from \(e) by more than \(tolerance)", sourceLocation: sourceLocation)
    }
}

/// Each layer against values worked out by hand.
@Suite struct LayerTests {
    static let kernel = try! Tensor(shape: [2, 3], scalars: [1, 2, 3, 4, 5, 6])
    static let bias = try! Tensor(shape: [3], scalars: [0.5, -20, 0])

    @Test func denseMultipliesByTheKernelAndAddsTheBias() throws {
        // [1, 2] · [[1, 2, 3], [4, 5, 6]] + [0.5, -20, 0] = [9.5, -8, 15]
        expectClose(try run(Dense(units: 3), input: [1, 2], shape: [2], weights: [Self.kernel, Self.bias]), [9.5, -8, 15])
    }

    @Test func denseWithoutBiasHasOnlyAKernel() throws {
        let layer = Dense(units: 3, useBias: false)
        expectClose(try run(layer, input: [1, 2], shape: [2], weights: [Self.kernel]), [9, 12, 15])
        #expect(layer.parameters.map(\.name) == ["kernel"])
    }

    @Test func embeddingReplacesEachIndexByItsRow() throws {
        let layer = Embedding(inputDimension: 3, outputDimension: 2)
        let table = try Tensor(shape: [3, 2], scalars: [1, 2, 3, 4, 5, 6])
        // Indices 2, 0, 1.7 (truncated to 1, as Keras casts a float input) and -3 (the first row counted from the
        // end, as Keras 3 takes it) of a (4) input: a (4, 2) output.
        expectClose(try run(layer, input: [2, 0, 1.7, -3], shape: [4], weights: [table]), [5, 6, 1, 2, 3, 4, 1, 2])
        #expect(layer.outputShape == [4, 2])
        // Data that is no index is refused before any pass; a computed value that is none gives a row of NaN
        // rather than another row's values.
        let refused = #expect(throws: ModelError.self) { try run(Embedding(inputDimension: 3, outputDimension: 2), input: [3], shape: [1]) }
        #expect(refused?.description == "value 0 of input input_layer is 3.0, not an index of layer embedding's 3 rows (0 to 2, or -3 to -1 from the end)")
        let computed = Embedding(inputDimension: 3, outputDimension: 2)
        let model = try Sequential(inputShape: [1], layers: [Rescaling(scale: 1), computed], workerCount: 1)
        try computed.embeddings.assign(table)
        #expect(try model.predict([-4], batchSize: 1).allSatisfy { $0.isNaN })
    }

    @Test func timeDistributedAppliesTheSameLayerAtEachStep() throws {
        let wrapper = TimeDistributed(Dense(units: 3))
        // Steps [1, 2], [0, 1] and [-1, 0] through the same Dense.
        let output = try run(wrapper, input: [1, 2, 0, 1, -1, 0], shape: [3, 2], weights: [Self.kernel, Self.bias])
        expectClose(output, [9.5, -8, 15, 4.5, -15, 6, -0.5, -22, -3])
        #expect(wrapper.outputShape == [3, 3])
        #expect(wrapper.parameters.map(\.name) == ["kernel", "bias"])
        // A layer whose training is more than a pass per step, and an input without steps, are refused.
        #expect(throws: ModelError.self) { try Sequential(inputShape: [3, 2], layers: [TimeDistributed(BatchNormalization())]) }
        #expect(throws: ModelError.self) { try Sequential(inputShape: [2], layers: [TimeDistributed(Dense(units: 3))]) }
    }

    /// h = x · 2 + h · 0.5 + 1 over the steps 1, 2, 3: the last state, every state, and every state with the
    /// steps run backwards (given in the order they ran, as Keras gives them).
    @Test func simpleRNNCarriesItsStateFromStepToStep() throws {
        let weights = [try Tensor(shape: [1, 1], scalars: [2]), try Tensor(shape: [1, 1], scalars: [0.5]), try Tensor(shape: [1], scalars: [1])]
        let input: [Float] = [1, 2, 3]
        expectClose(try run(SimpleRNN(units: 1, activation: .linear), input: input, shape: [3, 1], weights: weights), [10.25])
        expectClose(try run(SimpleRNN(units: 1, activation: .linear, returnSequences: true), input: input, shape: [3, 1], weights: weights),
                    [3, 6.5, 10.25])
        expectClose(try run(SimpleRNN(units: 1, activation: .linear, returnSequences: true, goBackwards: true), input: input, shape: [3, 1],
                            weights: weights), [7, 8.5, 7.25])
        #expect(throws: ModelError.self) { try Sequential(inputShape: [3], layers: [SimpleRNN(units: 1)]) }
        #expect(throws: ModelError.self) { try Sequential(inputShape: [3, 1], layers: [SimpleRNN(units: 1, activation: .gelu)]) }
    }

    /// With `return_state` the last state follows the output; an initial state replaces the zero state: from
    /// h = 2, over 1, 2, 3 the states go 3 + 1 + 2, ... as h = x · 2 + h · 0.5 + 1.
    @Test func recurrentLayersReturnAndTakeStates() throws {
        let weights = [try Tensor(shape: [1, 1], scalars: [2]), try Tensor(shape: [1, 1], scalars: [0.5]), try Tensor(shape: [1], scalars: [1])]
        let encoder = SimpleRNN(units: 1, activation: .linear, returnSequences: true), decoder = SimpleRNN(units: 1, activation: .linear)
        encoder.returnState = true
        let model = try Model(name: "m", inputShape: [3, 1], nodes: [Node(encoder, inputs: [.input(0)]),
                                                                     Node(decoder, inputs: [.input(0), .node(0, tensor: 1)])],
                              outputs: [0, 1], workerCount: 1)
        for layer in [encoder, decoder] { for (parameter, tensor) in zip(layer.parameters, weights) { try parameter.assign(tensor) } }
        #expect(encoder.outputShapes == [[3, 1], [1]] && decoder.inputShapes == [[3, 1], [1]])
        let outputs = try model.predictEach([[1, 2, 3]], batchSize: 1)
        expectClose(outputs[0], [3, 6.5, 10.25])
        // The decoder starts from the encoder's last state, 10.25: 2 + 5.125 + 1, then 4 + 4.0625 + 1, then 6 + 4.53125 + 1.
        expectClose(outputs[1], [11.53125])
        // Bidirectional does not return states; a state given that the layer does not have is refused.
        let both = SimpleRNN(units: 1)
        both.returnState = true
        #expect(throws: ModelError.self) { try Sequential(inputShape: [3, 1], layers: [Bidirectional(both, backwardLayer: SimpleRNN(units: 1, goBackwards: true))]) }
        let refused = #expect(throws: ModelError.self) {
            try Model(name: "m", inputShape: [3, 1], nodes: [Node(Dense(units: 1), inputs: [.input(0)]), Node(SimpleRNN(units: 2), inputs: [.input(0), .node(0, tensor: 1)])])
        }
        #expect(refused?.description == "layer simple_rnn: takes output 1 of dense, which has 1")
        let wrongSize = #expect(throws: ModelError.self) {
            try Model(name: "m", inputShape: [3, 1], nodes: [Node(encoder, inputs: [.input(0)]), Node(LSTM(units: 1), inputs: [.input(0), .node(0, tensor: 1)])])
        }
        #expect(wrongSize?.description.contains("LSTM takes a sequence and, as initial_state, 2 states of (None, 1)") == true)
    }

    /// With linear activations and no recurrent product, the gates are the input times the kernel's blocks in
    /// Keras's order i, f, c, o = 1, 2, 3, 4: over the steps 1 and 2, c = 1 · 3 then 4 · 3 + 2 · 6 and
    /// h = o · c.
    @Test func lstmGatesComeInKerasOrder() throws {
        let layer = LSTM(units: 1, activation: .linear, recurrentActivation: .linear, useBias: false)
        let weights = [try Tensor(shape: [1, 4], scalars: [1, 2, 3, 4]), try Tensor(shape: [1, 4], scalars: [0, 0, 0, 0])]
        expectClose(try run(layer, input: [1, 2], shape: [2, 1], weights: weights), [192])
        #expect(layer.parameters.map(\.name) == ["kernel", "recurrent_kernel"])
    }

    @Test(arguments: [
        (Activation.linear, [Float(9.5), -8, 15]),
        (.relu, [9.5, 0, 15]),
        (.tanh, [0.99999999, -0.99999977, 1]),
        (.sigmoid, [0.99992515, 0.00033535, 0.99999969]),
        (.softmax, [0.00407014, 0.00000000, 0.99592986]),
    ])
    func activationsApplyAfterTheAffineMap(activation: Activation, expected: [Float]) throws {
        expectClose(try run(Dense(units: 3, activation: activation), input: [1, 2], shape: [2], weights: [Self.kernel, Self.bias]),
                    expected, tolerance: 1e-6)
    }

    @Test func activationsOnModerateValues() throws {
        let identity = try Tensor(shape: [3, 3], scalars: [1, 0, 0, 0, 1, 0, 0, 0, 1])
        let zero = try Tensor(zeros: [3])
        let input: [Float] = [-1, 0.5, 2]
        func apply(_ activation: Activation) throws -> [Float] {
            try run(Dense(units: 3, activation: activation), input: input, shape: [3], weights: [identity, zero])
        }
        expectClose(try apply(.relu), [0, 0.5, 2])
        expectClose(try apply(.tanh), [-0.7615942, 0.46211716, 0.9640276])
        expectClose(try apply(.sigmoid), [0.26894142, 0.62245933, 0.8807971])
        expectClose(try apply(.softmax), [0.03911257, 0.17529039, 0.78559703])
    }

    /// Keras keeps NaN through every activation (a softmax row holding one is NaN throughout), and its
    /// exponentials reach infinity; fmaxf-style clamps would quietly turn NaN into a number.
    @Test(arguments: Activation.allCases)
    func activationsKeepNaN(activation: Activation) throws {
        let output = try run(ActivationLayer(activation), input: [.nan, -1, 2], shape: [3])
        #expect(output[0].isNaN, "\(activation)")
        if activation.worksOnRows { #expect(output.allSatisfy { $0.isNaN }, "\(activation)") }
    }

    @Test func activationsAtInfinityAreKerassLimits() throws {
        func apply(_ activation: Activation) throws -> [Float] { try run(ActivationLayer(activation), input: [-.infinity, .infinity], shape: [2]) }
        #expect(try apply(.sigmoid) == [0, 1] && apply(.tanh) == [-1, 1] && apply(.relu6) == [0, 6] && apply(.hardSigmoid) == [0, 1])
        #expect(try apply(.exponential) == [0, .infinity] && apply(.relu) == [0, .infinity] && apply(.elu) == [-1, .infinity])
        // ReLU's threshold test turns NaN into 0, as Keras's does; its other options keep NaN.
        #expect(try run(ReLU(threshold: 0.5), input: [.nan], shape: [1]) == [0])
        #expect(try run(ReLU(maxValue: 3), input: [.nan], shape: [1])[0].isNaN)
        #expect(try run(ReLU(negativeSlope: 0.1, threshold: 0.5), input: [.nan], shape: [1])[0].isNaN)
    }

    @Test func validConvolutionSlidesTheKernelInsideTheImage() throws {
        // 3x3 image 1...9, 2x2 kernel of ones: each output sums a 2x2 window.
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let ones = try Tensor(shape: [2, 2, 1, 1], scalars: [1, 1, 1, 1])
        let output = try run(Conv2D(filters: 1, kernelSize: (2, 2)), input: image, shape: [3, 3, 1], weights: [ones, try Tensor(zeros: [1])])
        expectClose(output, [12, 16, 24, 28])
    }

    @Test func samePaddingPutsTheExtraZerosAtTheBottomAndRight() throws {
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let ones = try Tensor(shape: [2, 2, 1, 1], scalars: [1, 1, 1, 1])
        let output = try run(Conv2D(filters: 1, kernelSize: (2, 2), padding: .same), input: image, shape: [3, 3, 1],
                             weights: [ones, try Tensor(shape: [1], scalars: [0.5])])
        expectClose(output, [12, 16, 9, 24, 28, 15, 15, 17, 9].map { $0 + 0.5 })
    }

    @Test func samePaddingWithAThreeByThreeKernelPadsEverySide() throws {
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8, 9]
        let ones = try Tensor(shape: [3, 3, 1, 1], scalars: [Float](repeating: 1, count: 9))
        let output = try run(Conv2D(filters: 1, kernelSize: (3, 3), padding: .same), input: image, shape: [3, 3, 1],
                             weights: [ones, try Tensor(zeros: [1])])
        expectClose(output, [12, 21, 16, 27, 45, 33, 24, 39, 28])
    }

    @Test func stridedConvolutionMixesChannelsWithTheKernelLayout() throws {
        // 3x3x2 image: channel 0 holds 1...9, channel 1 holds 10 × that. A 1x1 kernel (1, 1, 2, 2) with stride 2
        // picks pixels (0,0), (0,2), (2,0), (2,2); filter 0 = ch0 + ch1, filter 1 = ch0 - 0.1 ch1.
        var image = [Float]()
        for value in 1...9 { image += [Float(value), Float(value * 10)] }
        let kernel = try Tensor(shape: [1, 1, 2, 2], scalars: [1, 1, 1, -0.1])
        let output = try run(Conv2D(filters: 2, kernelSize: (1, 1), strides: (2, 2)), input: image, shape: [3, 3, 2],
                             weights: [kernel, try Tensor(zeros: [2])])
        expectClose(output, [11, 0, 33, 0, 77, 0, 99, 0])
    }

    @Test func kernelPositionsFollowKerasOrder() throws {
        // A 2x2 kernel with distinct taps on a 2x2 image gives Σ image[y][x] · kernel[y][x].
        let kernel = try Tensor(shape: [2, 2, 1, 1], scalars: [1, 10, 100, 1000])
        let output = try run(Conv2D(filters: 1, kernelSize: (2, 2)), input: [1, 2, 3, 4], shape: [2, 2, 1],
                             weights: [kernel, try Tensor(zeros: [1])])
        expectClose(output, [4321])
    }

    @Test func singleChannelConvolutionsAgreeWithTheGeneralPath() throws {
        // The direct single-channel kernels against the same convolution written as two input channels, one
        // of them all zeros (which takes the im2col path).
        for (filters, padding) in [(6, Padding.valid), (16, .same), (32, .valid), (64, .same), (3, .same)] {
            let image: [Float] = (0..<(9 * 23)).map { (index: Int) -> Float in Float((index * 7919) % 23) / 23 - 0.5 }
            let kernel: [Float] = (0..<(3 * 5 * filters)).map { (index: Int) -> Float in Float((index * 104_729) % 31) / 31 - 0.5 }
            let bias: [Float] = (0..<filters).map { (index: Int) -> Float in Float(index) / 10 }
            var twoChannels = [Float]()
            for value in image { twoChannels += [value, 0] }
            var twoChannelKernel = [Float]()
            for tap in 0..<15 {
                twoChannelKernel += Array(kernel[tap * filters..<(tap + 1) * filters])
                twoChannelKernel += [Float](repeating: 0, count: filters)
            }
            let direct = try run(Conv2D(filters: filters, kernelSize: (3, 5), padding: padding), input: image, shape: [9, 23, 1],
                                 weights: [try Tensor(shape: [3, 5, 1, filters], scalars: kernel), try Tensor(shape: [filters], scalars: bias)])
            let general = try run(Conv2D(filters: filters, kernelSize: (3, 5), padding: padding), input: twoChannels, shape: [9, 23, 2],
                                  weights: [try Tensor(shape: [3, 5, 2, filters], scalars: twoChannelKernel), try Tensor(shape: [filters], scalars: bias)])
            expectClose(direct, general, tolerance: 1e-5)
        }
    }

    @Test func averagePoolingAveragesEachWindow() throws {
        let image = (1...16).map(Float.init)
        expectClose(try run(Pooling2D(.average), input: image, shape: [4, 4, 1]), [3.5, 5.5, 11.5, 13.5])
    }

    @Test func maxPoolingKeepsEachWindowsLargest() throws {
        let image: [Float] = [1, 9, 2, 3, -1, 0, 8, 4, 5, 6, 7, 1, 0, 0, -5, 2]
        expectClose(try run(Pooling2D(.max), input: image, shape: [4, 4, 1]), [9, 8, 6, 7])
    }

    @Test func poolingWithSamePaddingAveragesOnlyRealCells() throws {
        let image = (1...9).map(Float.init)
        expectClose(try run(Pooling2D(.average, padding: .same), input: image, shape: [3, 3, 1]), [3, 4.5, 7.5, 9])
        expectClose(try run(Pooling2D(.max, padding: .same), input: image, shape: [3, 3, 1]), [5, 6, 8, 9])
    }

    @Test func poolingIsPerChannel() throws {
        let image: [Float] = [1, -1, 2, -2, 3, -3, 4, -4]
        expectClose(try run(Pooling2D(.max), input: image, shape: [2, 2, 2]), [4, -1])
        expectClose(try run(Pooling2D(.average), input: image, shape: [2, 2, 2]), [2.5, -2.5])
    }

    @Test func zeroPaddingSurroundsTheImage() throws {
        let output = try run(ZeroPadding2D(top: 1, bottom: 0, left: 0, right: 2), input: [1, 2, 3, 4], shape: [2, 2, 1])
        expectClose(output, [0, 0, 0, 0, 1, 2, 0, 0, 3, 4, 0, 0])
    }

    @Test func flattenKeepsRowMajorHeightWidthChannelOrder() throws {
        let image: [Float] = [1, 2, 3, 4, 5, 6, 7, 8]
        expectClose(try run(Flatten(), input: image, shape: [2, 2, 2]), image)
        let model = try Sequential(inputShape: [2, 2, 2], layers: [Flatten()])
        #expect(model.outputShape == [8])
    }

    @Test func dropoutPassesValuesThroughAtInference() throws {
        let input = (0..<100).map(Float.init)
        expectClose(try run(Dropout(rate: 0.5), input: input, shape: [100]), input)
    }

    @Test func shapesAreCheckedWhenBuilding() throws {
        // Dense maps the last axis, as Keras's does; a convolution needs an image.
        #expect(try Sequential(inputShape: [28, 28, 1], layers: [Dense(units: 3)]).outputShape == [28, 28, 3])
        #expect(throws: ModelError.self) { try Sequential(inputShape: [4], layers: [Conv2D(filters: 1, kernelSize: (3, 3))]) }
        #expect(throws: ModelError.self) { try Sequential(inputShape: [2, 2, 1], layers: [Conv2D(filters: 1, kernelSize: (3, 3))]) }
        #expect(throws: ModelError.self) { try Sequential(inputShape: [4], layers: [Dense(units: 0)]) }
        #expect(throws: ModelError.self) { try Sequential(inputShape: [4], layers: [Dropout(rate: 1)]) }
        let layer = Dense(units: 3)
        _ = try? Sequential(inputShape: [2], layers: [layer])
        #expect(throws: ModelError.self) { try layer.kernel.assign(try Tensor(zeros: [3, 2])) }
    }

    @Test func batchesGiveTheSameResultsAsSingleSamples() throws {
        let model = try Sequential(inputShape: [6, 6, 1], layers: [
            Conv2D(filters: 3, kernelSize: (3, 3), activation: .relu), Pooling2D(.max), Flatten(), Dense(units: 4, activation: .softmax),
        ], seed: 7)
        let samples = (0..<(5 * 36)).map { Float(($0 * 37) % 11) / 11 }
        let batched = try model.predict(samples, batchSize: 5)
        let single = try model.predict(samples, batchSize: 1)
        expectClose(batched, single, tolerance: 1e-6)
    }

    @Test func aCallWithPackedDenseKernelsMatchesSingleSamples() throws {
        let model = try Sequential(inputShape: [300], layers: [
            Dense(units: 200, activation: .relu), Dropout(rate: 0.5), Dense(units: 70, activation: .tanh), Dense(units: 10, activation: .softmax),
        ], seed: 5)
        let count = Dense.packingSamples + 37
        let samples: [Float] = (0..<(count * 300)).map { (index: Int) -> Float in Float((index * 7919) % 103) / 103 - 0.5 }
        let packed = try model.predict(samples, batchSize: 50)
        // One call per sample: too few samples for packing.
        let single = try (0..<count).flatMap { try model.predict(Array(samples[$0 * 300..<($0 + 1) * 300])) }
        expectClose(packed, single, tolerance: 1e-6)
    }

    @Test func aSingleImageSharedBetweenThreadsMatchesTheBatchedResult() throws {
        // 32x32 positions x 288 x 64 multiply-adds: enough for a lone image's rows to be split over two threads.
        let model = try Sequential(inputShape: [32, 32, 32], layers: [
            Conv2D(filters: 64, kernelSize: (3, 3), padding: .same, activation: .relu), Flatten(), Dense(units: 10, activation: .softmax),
        ], seed: 3, workerCount: 2)
        let samples: [Float] = (0..<65_536).map { (index: Int) -> Float in Float((index * 7919) % 101) / 101 - 0.5 }
        let batched = try model.predict(samples, batchSize: 2)
        let single = try model.predict(samples, batchSize: 1)
        expectClose(batched, single, tolerance: 1e-6)
    }
}
