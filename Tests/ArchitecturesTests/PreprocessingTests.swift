import Architectures
import MNIST
import NeuralNet
import TestSupport
import Testing

/// Turning MNIST images into model inputs: the notebooks' preprocessing and the choice for any model.
@Suite struct PreprocessingTests {
    static let data = Result { try MNIST.load(from: SharedData.mnist) }

    @Test func lenetPreprocessingPadsAndScales() throws {
        let image = try Self.data.get().test.prefix(1)
        let preprocessing = Preprocessing(padding: 2, divisor: 255)
        let data = preprocessing.inputs(image)
        #expect(preprocessing.sampleShape(rows: 28, columns: 28) == [32, 32, 1] && data.count == 32 * 32)
        #expect(data[0..<64].allSatisfy { $0 == 0 })
        let row = 2 + 7, column = 2 + 7
        #expect(data[row * 32 + column] == Float(image.pixels[7 * 28 + 7]) / 255)
        #expect(data.max() == 1)
    }

    @Test func rawPreprocessingKeepsPixelValuesAndFlattens() throws {
        let image = try Self.data.get().test.prefix(2)
        let preprocessing = Preprocessing(divisor: 1, flatten: true)
        #expect(preprocessing.sampleShape(rows: 28, columns: 28) == [784])
        #expect(preprocessing.inputs(image) == image.pixels.map(Float.init))
        // A model's samples: the labels as class indices for its sparse categorical cross-entropy.
        let samples = try preprocessing.samples(image, for: try Sequential(inputShape: [784], layers: [Dense(units: 10)]))
        #expect(samples.targets == [[7, 2]])
    }

    @Test func aModelOutsideThePresetsGetsTheLayoutOfItsInputShape() throws {
        let flat = try Sequential(inputShape: [784], layers: [Dense(units: 10)])
        let (preprocessing, assumed) = try Preprocessing.forModel(flat, preset: nil, pixels: .auto)
        #expect(preprocessing == Preprocessing(divisor: 255, flatten: true) && assumed)
        let padded = try Sequential(inputShape: [32, 32, 1], layers: [Flatten(), Dense(units: 10)])
        #expect(try Preprocessing.forModel(padded, preset: nil, pixels: .raw) == (Preprocessing(padding: 2, divisor: 1), false))
        #expect(try Preprocessing.forModel(flat, preset: .vgg, pixels: .auto).preprocessing == Architecture.vgg.preprocessing)
        let plane = try Sequential(inputShape: [28, 28], layers: [Flatten(), Dense(units: 10)])
        let planar = try Preprocessing.forModel(plane, preset: nil, pixels: .unit).preprocessing
        #expect(planar == Preprocessing(divisor: 255, channelAxis: false) && planar.sampleShape(rows: 28, columns: 28) == [28, 28])
        let wide = try Sequential(inputShape: [28, 28, 3], layers: [Flatten(), Dense(units: 10)])
        #expect(throws: PreprocessingError.inputCannotTakeDigits([28, 28, 3])) {
            try Preprocessing.forModel(wide, preset: nil, pixels: .auto)
        }
    }
}
