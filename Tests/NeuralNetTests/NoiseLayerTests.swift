import NeuralNet
import Testing

/// The dropout and noise layers: the identity at inference, Keras's statistics in training, and a backward
/// pass (which follows a training pass) that scales each gradient as the forward pass scaled its value.
@Suite struct NoiseLayerTests {
    /// One pass of `layer` over `input` (`batch` samples of `shape`) and, after a training pass, its backward
    /// pass with an upstream gradient of ones: the output and the input gradient (empty after inference).
    static func pass(_ layer: UnaryLayer, shape: [Int], batch: Int, input: [Float], mode: PassMode) throws -> (output: [Float], gradient: [Float]) {
        var initializer = ParameterInitializer(seed: 1)
        try layer.build(inputShape: shape, initializer: &initializer)
        let scratch = LayerScratch(seed: 4)
        var output = [Float](repeating: .nan, count: input.count)
        var upstream = [Float](repeating: 1, count: input.count)
        var gradient = [Float](repeating: .nan, count: input.count)
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                layer.forward(i.baseAddress!, o.baseAddress!, batch: batch, mode: mode, scratch: scratch)
                guard mode == .training else { return }
                upstream.withUnsafeMutableBufferPointer { u in
                    gradient.withUnsafeMutableBufferPointer { g in
                        layer.backward(input: i.baseAddress!, output: o.baseAddress!, outputGradient: u.baseAddress!,
                                       inputGradient: g.baseAddress!, batch: batch, scratch: scratch, gradients: [])
                    }
                }
            }
        }
        return (output, mode == .training ? gradient : [])
    }

    static func meanAndDeviation(_ values: [Float]) -> (Double, Double) {
        let mean = values.reduce(0.0) { $0 + Double($1) } / Double(values.count)
        let variance = values.reduce(0.0) { $0 + (Double($1) - mean) * (Double($1) - mean) } / Double(values.count)
        return (mean, variance.squareRoot())
    }

    static let normal: [Float] = {
        var generator = SeededGenerator(seed: 21)
        return (0..<40_000).map { _ in generator.nextNormalFloat() }
    }()

    @Test(arguments: [0, 1, 2, 3])
    func inferencePassesValuesThrough(_ index: Int) throws {
        let layers: [UnaryLayer] = [SpatialDropout2D(rate: 0.5), GaussianNoise(standardDeviation: 2), GaussianDropout(rate: 0.5), AlphaDropout(rate: 0.5)]
        let input = Array(Self.normal.prefix(2 * 5 * 5 * 4))
        let (output, _) = try Self.pass(layers[index], shape: [5, 5, 4], batch: 2, input: input, mode: .inference)
        #expect(output == input)
    }

    @Test func spatialDropoutDropsWholeChannels() throws {
        let input = [Float](repeating: 2, count: 50 * 3 * 3 * 8)
        let (output, gradient) = try Self.pass(SpatialDropout2D(rate: 0.25), shape: [3, 3, 8], batch: 50, input: input, mode: .training)
        var dropped = 0
        for sample in 0..<50 {
            for channel in 0..<8 {
                let values = (0..<9).map { output[(sample * 9 + $0) * 8 + channel] }
                #expect(Set(values).count == 1 && (values[0] == 0 || abs(values[0] - 2 / 0.75) < 1e-6))
                if values[0] == 0 { dropped += 1 }
            }
        }
        #expect((70...130).contains(dropped), "dropped \(dropped) of 400 channels at rate 0.25")
        for (o, g) in zip(output, gradient) { #expect(abs(g - o / 2) < 1e-6) }
    }

    @Test func gaussianNoiseAddsNoiseOfTheStandardDeviation() throws {
        let input = [Float](repeating: 3, count: 40_000)
        let (output, gradient) = try Self.pass(GaussianNoise(standardDeviation: 0.5), shape: [400], batch: 100, input: input, mode: .training)
        let (mean, deviation) = Self.meanAndDeviation(output)
        #expect(abs(mean - 3) < 0.02 && abs(deviation - 0.5) < 0.02, "mean \(mean), deviation \(deviation)")
        #expect(gradient.allSatisfy { $0 == 1 })
    }

    @Test func gaussianDropoutMultipliesByNoiseAroundOne() throws {
        let input = [Float](repeating: 2, count: 40_000)
        let (output, gradient) = try Self.pass(GaussianDropout(rate: 0.2), shape: [400], batch: 100, input: input, mode: .training)
        let (mean, deviation) = Self.meanAndDeviation(output)
        // Multipliers of mean 1 and deviation sqrt(0.2 / 0.8) = 0.5, times 2.
        #expect(abs(mean - 2) < 0.03 && abs(deviation - 1) < 0.03, "mean \(mean), deviation \(deviation)")
        for (o, g) in zip(output, gradient) { #expect(abs(g - o / 2) < 1e-6) }
    }

    @Test func alphaDropoutKeepsAStandardNormalInputStandard() throws {
        let (output, gradient) = try Self.pass(AlphaDropout(rate: 0.2), shape: [400], batch: 100, input: Self.normal, mode: .training)
        let (mean, deviation) = Self.meanAndDeviation(output)
        #expect(abs(mean) < 0.03 && abs(deviation - 1) < 0.03, "mean \(mean), deviation \(deviation)")
        let dropped = gradient.filter { $0 == 0 }.count
        #expect((7_400...8_600).contains(dropped), "dropped \(dropped) of 40,000 at rate 0.2")
    }

    /// At inference a Dropout or noise layer's output is its input's: nothing runs for it, and a trace reports
    /// both layers with the same values.
    @Test func dropoutAndNoiseLayersAreSkippedAtInferenceYetTraced() throws {
        let model = try Sequential(inputShape: [4], layers: [
            Dense(units: 3, name: "dense"), Dropout(rate: 0.5, name: "drop"), GaussianNoise(standardDeviation: 1, name: "noise"),
            Dense(units: 2, name: "out")], seed: 1)
        let profiler = LayerProfiler(nodeCount: 4)
        model.profiler = profiler
        let samples = try Samples(count: 2, inputs: [(0..<8).map(Float.init)])
        _ = try model.predictEach(samples)
        #expect(profiler.forwardSeconds[0] > 0 && profiler.forwardSeconds[3] > 0)
        #expect(profiler.forwardSeconds[1] == 0 && profiler.forwardSeconds[2] == 0, "nothing runs for the dropout and noise layers")
        model.profiler = nil
        let traced = try model.trace(samples)
        #expect(traced.allSatisfy { $0.foldedInto == nil } && traced[0].values.count == 6)
        #expect(traced[1].values == traced[0].values && traced[2].values == traced[0].values)
    }
}
