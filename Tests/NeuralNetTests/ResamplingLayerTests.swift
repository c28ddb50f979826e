import NeuralNet
import Testing

/// UpSampling2D, UpSampling1D, RepeatVector and the 1-D pooling, padding and cropping layers against values
/// worked out by hand from Keras's definitions.
@Suite struct ResamplingLayerTests {
    @Test func nearestUpSamplingRepeatsEachPixelOverItsBlock() throws {
        let output = try run(UpSampling2D(size: (2, 3)), input: [1, 10, 2, 20, 3, 30, 4, 40], shape: [2, 2, 2])
        // Channel 0 of the (4, 6) output: each of [[1, 2], [3, 4]] over a 2x3 block.
        let channel0 = stride(from: 0, to: output.count, by: 2).map { output[$0] }
        expectClose(channel0, [1, 1, 1, 2, 2, 2, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 4, 4, 3, 3, 3, 4, 4, 4])
        #expect(stride(from: 1, to: output.count, by: 2).allSatisfy { output[$0] == 10 * output[$0 - 1] })
    }

    /// TensorFlow's bilinear resize with half-pixel centres: output index i reads (i + 0.5) / 2 - 0.5 =
    /// -0.25, 0.25, 0.75, 1.25, clamped to the image, so [1, 2] becomes [1, 1.25, 1.75, 2].
    @Test func bilinearUpSamplingInterpolatesBetweenPixelCentres() throws {
        let output = try run(UpSampling2D(size: (2, 2), interpolation: .bilinear), input: [1, 2, 3, 4], shape: [2, 2, 1])
        expectClose(output, [1, 1.25, 1.75, 2, 1.5, 1.75, 2.25, 2.5, 2.5, 2.75, 3.25, 3.5, 3, 3.25, 3.75, 4])
    }

    @Test func upSampling1DRepeatsEachStep() throws {
        expectClose(try run(UpSampling1D(size: 3), input: [1, 2, 3, 4], shape: [2, 2]), [1, 2, 1, 2, 1, 2, 3, 4, 3, 4, 3, 4])
    }

    @Test func repeatVectorStacksCopiesOfTheInput() throws {
        let layer = RepeatVector(3)
        expectClose(try run(layer, input: [1, 2], shape: [2]), [1, 2, 1, 2, 1, 2])
        #expect(layer.outputShape == [3, 2])
        #expect(throws: ModelError.self) { try Sequential(inputShape: [2, 2], layers: [RepeatVector(3)]) }
    }

    @Test func oneDimensionalLayersWorkAlongTheSteps() throws {
        // Steps [1, 5, 2, 4, 3] of one channel.
        let steps: [Float] = [1, 5, 2, 4, 3]
        expectClose(try run(Pooling1D(.max, poolSize: 2), input: steps, shape: [5, 1]), [5, 4])
        expectClose(try run(Pooling1D(.average, poolSize: 2, strides: 1, padding: .same), input: steps, shape: [5, 1]), [3, 3.5, 3, 3.5, 3])
        expectClose(try run(GlobalPooling1D(.max), input: steps, shape: [5, 1]), [5])
        let keep = GlobalPooling1D(.average, keepDimensions: true)
        expectClose(try run(keep, input: steps, shape: [5, 1]), [3])
        #expect(keep.outputShape == [1, 1])
        expectClose(try run(ZeroPadding1D(start: 1, end: 2), input: steps, shape: [5, 1]), [0, 1, 5, 2, 4, 3, 0, 0])
        expectClose(try run(Cropping1D(start: 2, end: 1), input: steps, shape: [5, 1]), [2, 4])
        #expect(throws: ModelError.self) { try Sequential(inputShape: [5, 5, 1], layers: [Pooling1D(.max)]) }
    }
}
