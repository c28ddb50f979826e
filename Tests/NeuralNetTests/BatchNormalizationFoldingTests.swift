import NeuralNet
import Testing

/// Inference folds a BatchNormalization into the convolution (or depthwise convolution) before it, and the ReLU
/// after it: the predictions are those of the layers run one after the other, the folded layers run no pass of
/// their own, and training is unchanged.
@Suite struct BatchNormalizationFoldingTests {
    /// Conv2D (linear, with a bias) into BatchNormalization, then ReLU and a softmax Dense; with `separated`,
    /// a linear Activation layer between the two keeps them apart.
    /// With `depthwise`, a DepthwiseConv2D of multiplier `filters` / channels takes the convolution's place.
    static func model(separated: Bool, twoConsumers: Bool = false, shape: [Int] = [5, 5, 2], filters: Int = 4,
                      depthwise: Bool = false) throws -> Model {
        let first: Layer = depthwise
            ? DepthwiseConv2D(kernelSize: (3, 3), padding: .same, depthMultiplier: filters / shape[2])
            : Conv2D(filters: filters, kernelSize: (3, 3), padding: .same)
        var nodes = [Node(first, inputs: [.input(0)])]
        if separated { nodes.append(Node(ActivationLayer(.linear), inputs: [.node(0)])) }
        let normalization = nodes.count
        nodes.append(Node(BatchNormalization(momentum: 0.5), inputs: [.node(normalization - 1)]))
        nodes.append(Node(ReLU(), inputs: [.node(normalization)]))
        if twoConsumers {
            nodes.append(Node(Merge(.add), inputs: [.node(nodes.count - 1), .node(0)]))
        }
        nodes.append(Node(Flatten(), inputs: [.node(nodes.count - 1)]))
        nodes.append(Node(Dense(units: 3, activation: .softmax), inputs: [.node(nodes.count - 1)]))
        let model = try Model(name: "folding", inputShape: shape, nodes: nodes, seed: 4, workerCount: 2)
        // Moving statistics, scale and shift away from their starting values.
        var generator = SeededGenerator(seed: 8)
        for parameter in model.parameters + model.layers.flatMap(\.state) where parameter.shape.count == 1 {
            for i in 0..<parameter.count { parameter.value[i] = 0.5 + generator.nextUnitFloat() }
        }
        return model
    }

    /// The node's forward time in an inference pass over data of the model's input shape.
    static func inferenceTime(_ model: Model, node: Int) throws -> Double {
        let profiler = LayerProfiler(nodeCount: model.nodes.count)
        model.profiler = profiler
        _ = try model.predict(GradientTests.data(shape: model.inputShape, count: 40).inputs)
        model.profiler = nil
        return profiler.forwardSeconds[node]
    }

    /// Two input channels (im2col and GEMM), one channel with 32 filters (the direct single-channel kernels),
    /// 16 channels to 16 filters (Winograd, whose transformed kernel takes the folding in), and depthwise
    /// convolutions of multiplier 2 and of 1 over 8 channels (the interior kernel).
    @Test(arguments: [([5, 5, 2], 4, false), ([8, 8, 1], 32, false), ([8, 8, 16], 16, false), ([5, 5, 3], 6, true), ([6, 6, 8], 8, true)])
    func foldedPredictionsMatchTheLayersRunApart(shape: [Int], filters: Int, depthwise: Bool) throws {
        let folded = try Self.model(separated: false, shape: shape, filters: filters, depthwise: depthwise)
        let apart = try Self.model(separated: true, shape: shape, filters: filters, depthwise: depthwise)
        let data = GradientTests.data(shape: shape, count: 40)
        let mine = folded.layers.flatMap(\.weights), theirs = apart.layers.flatMap(\.weights)
        #expect(mine.count == theirs.count)
        for (to, from) in zip(mine, theirs) { to.value.update(from: from.value, count: from.count) }
        let a = try folded.predict(data.inputs), b = try apart.predict(data.inputs)
        let gap = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
        #expect(gap <= 1e-6, "largest difference \(gap)")
        #expect(try Self.inferenceTime(folded, node: 1) == 0, "the folded BatchNormalization ran")
        #expect(try Self.inferenceTime(folded, node: 2) == 0, "the ReLU after it ran")
        #expect(try Self.inferenceTime(apart, node: 2) > 0)
        // Training normalises with the batch's statistics, through both layers.
        let lossFolded = GradientTests.trainingPass(folded, data), lossApart = GradientTests.trainingPass(apart, data)
        #expect(abs(lossFolded - lossApart) <= 1e-6 * abs(lossApart))
    }

    /// Inference keeps the folded, Winograd-transformed kernel from one call to the next, and derives it again
    /// after every kind of change to the parameters it came from.
    @Test func keptInferenceWeightsFollowEveryChangeOfTheParameters() throws {
        let shape = [8, 8, 16]
        let folded = try Self.model(separated: false, shape: shape, filters: 16)
        let apart = try Self.model(separated: true, shape: shape, filters: 16)
        let data = GradientTests.data(shape: shape, count: 40)
        #expect((folded.layers[0] as? Conv2D)?.algorithm(batch: data.count, training: false) == .winograd4x4)
        var previous: [Float] = []
        func expectSamePredictions(after change: String) throws {
            for (from, to) in zip(folded.layers.flatMap(\.weights), apart.layers.flatMap(\.weights)) {
                to.value.update(from: from.value, count: from.count)
                to.valuesChanged()
            }
            let a = try folded.predict(data.inputs), b = try apart.predict(data.inputs)
            let gap = zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
            #expect(gap <= 1e-6, "after \(change): largest difference \(gap)")
            #expect((a == previous) == (change == "no change"), "\(change) changed the predictions or left them")
            previous = a
        }
        try expectSamePredictions(after: "building")
        try expectSamePredictions(after: "no change")
        GradientTests.trainingPass(folded, data)
        try expectSamePredictions(after: "a training pass (moving statistics)")
        let optimizer = SGD(parameters: folded.parameters, learningRate: 0.01)
        optimizer.step()
        try expectSamePredictions(after: "an optimizer step")
        _ = data.withBatch(for: folded) { folded.trainingStep($0, optimizer: optimizer) }
        try expectSamePredictions(after: "a training step")
        let kernel = folded.layers[0].parameters[0]
        try kernel.assign(try Tensor(shape: kernel.shape, scalars: kernel.tensor.scalars.map { -$0 }))
        try expectSamePredictions(after: "assign")
        for i in 0..<kernel.count { kernel.value[i] *= 2 }
        kernel.valuesChanged()
        try expectSamePredictions(after: "a direct write")
    }

    @Test func aConvolutionWithAnotherConsumerIsNotFolded() throws {
        #expect(try Self.inferenceTime(try Self.model(separated: false, twoConsumers: true), node: 1) > 0)
    }
}
