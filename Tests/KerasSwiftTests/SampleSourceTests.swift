import Foundation
import KerasSwift
import TestSupport
import Testing

/// Samples read a batch at a time from a source, `.npy` files mapped rather than read: training, evaluation
/// and prediction give what the same arrays in memory give, and bad files and values are refused naming them.
@Suite struct SampleSourceTests {
    /// `values` written as a `.npy` of float64, as NumPy writes a float array by default.
    static func saveFloat64(_ values: [Float], shape: [Int], to path: String) throws {
        let bytes = values.flatMap { withUnsafeBytes(of: Double($0).bitPattern.littleEndian, Array.init) }
        try NumpyArray(shape: shape, elementType: .float64, data: bytes).write(to: path)
    }

    @Test func aNumpySourceTrainsEvaluatesAndPredictsAsTheSameArraysInMemory() throws {
        let folder = try TemporaryFolder()
        let (inMemory, x, y) = try FitCallbackTests.regression()
        let (mapped, _, _) = try FitCallbackTests.regression()
        try Self.saveFloat64(x.scalars, shape: x.shape, to: folder.path("x.npy"))
        try y.save(npy: folder.path("y.npy"))
        let source = try NumpySource(inputs: [folder.path("x.npy")], targets: [folder.path("y.npy")])
        #expect(source.count == 20 && source.inputSizes == [3] && source.targetSizes == [1])

        let expected = try inMemory.fit(x: x, y: y, epochs: 3, batchSize: 6, validationSplit: 0.25, seed: 5)
        let history = try mapped.fit(source, epochs: 3, batchSize: 6, validationSplit: 0.25, seed: 5)
        #expect(history.loss == expected.loss && history.validationLoss == expected.validationLoss && history["val_mae"] == expected["val_mae"])
        #expect(mapped.model.getWeights() == inMemory.model.getWeights())
        #expect(try mapped.evaluate(source, batchSize: 7).scores == inMemory.evaluate(x: x, y: y, batchSize: 7).scores)
        #expect(try mapped.predictEach(source, batchSize: 8) == [inMemory.predict(x, batchSize: 8)])
    }

    @Test func valuesAreCheckedBatchByBatchNamingTheSample() throws {
        let folder = try TemporaryFolder()
        let model = try BadInputTests.twoHeads()
        try BadInputTests.x.get().save(npy: folder.path("x.npy"))
        try Tensor(shape: [4], scalars: [0, 1, 2, 7]).save(npy: folder.path("labels.npy"))
        try BadInputTests.values.get().save(npy: folder.path("values.npy"))
        let source = try NumpySource(inputs: [folder.path("x.npy")], targets: [folder.path("labels.npy"), folder.path("values.npy")])
        #expect(throws: ModelError.invalidData("class index of sample 3 of output label is 7.0, not a class of its 3 (0 to 2)")) {
            try model.evaluate(source)
        }
        #expect(throws: ModelError.self) { try model.fit(source, batchSize: 2, shuffle: .off) }
        #expect(throws: ModelError.invalidData("the samples of input features hold 1 values, the model takes (None, 3) (3 values)")) {
            try model.predictEach(try NumpySource(inputs: [folder.path("labels.npy")]))
        }
    }

    @Test func filesThatCannotFeedAModelAreRefusedNamingThem() throws {
        let folder = try TemporaryFolder()
        try Tensor(shape: [6, 2], scalars: (0..<12).map(Float.init)).save(npy: folder.path("six.npy"))
        try Tensor(shape: [5, 1], scalars: (0..<5).map(Float.init)).save(npy: folder.path("five.npy"))
        try Tensor(shape: [], scalars: [1]).save(npy: folder.path("scalar.npy"))
        let whole = try Data(contentsOf: URL(fileURLWithPath: folder.path("six.npy")))
        try whole.dropLast(4).write(to: URL(fileURLWithPath: folder.path("cut.npy")))
        let cases: [(inputs: [String], targets: [String], words: String)] = [
            (["cut.npy"], [], "truncated"), (["scalar.npy"], [], "single value"), (["missing.npy"], [], "no such file"),
            (["six.npy"], ["five.npy"], "holds 5 samples where"), ([], [], "at least one input"),
        ]
        for (inputs, targets, words) in cases {
            let error = try #require(#expect(throws: NumpyError.self) {
                try NumpySource(inputs: inputs.map(folder.path), targets: targets.map(folder.path))
            })
            #expect("\(error)".contains(words), "\(error)")
        }
        let uint8 = try NumpyArray(shape: [3, 2], elementType: .uint8, data: [0, 1, 2, 253, 254, 255])
        try uint8.write(to: folder.path("bytes.npy"))
        let source = try NumpySource(inputs: [folder.path("bytes.npy")])
        var values = [Float](repeating: -1, count: 4)
        [2, 0].withUnsafeBufferPointer { rows in values.withUnsafeMutableBufferPointer { source.gather(.input(0), rows: rows, into: $0.baseAddress!) } }
        #expect(values == [254, 255, 0, 1])
    }
}
