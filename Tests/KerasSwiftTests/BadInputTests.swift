import Foundation
import KerasSwift
import TestSupport
import Testing

/// Every public entry point of the library fed each kind of bad input a user can give it: each one throws an
/// error that says what is wrong, and none traps.
@Suite struct BadInputTests {
    /// Three features in; three class scores and one value out, compiled with a loss for each.
    static func twoHeads() throws -> KerasModel {
        let model = try CompileTests.classAndValue()
        try model.compile(optimizer: .sgd(), loss: [.sparseCategoricalCrossentropy, .meanSquaredError])
        return model
    }

    static let x = Result { try Tensor(shape: [4, 3], scalars: (0..<12).map { Float($0) / 12 }) }
    static let labels = Result { try Tensor(shape: [4], scalars: [0, 1, 2, 1]) }
    static let values = Result { try Tensor(shape: [4, 1], scalars: [0.5, 1, -1, 2]) }

    /// Bad targets for `fit` and `evaluate`, each with words its error must hold.
    static func badTargets() throws -> [(targets: [Tensor], words: String)] {
        let (labels, values) = (try Self.labels.get(), try Self.values.get())
        return [
            ([labels], "1 target arrays for a model with 2 outputs"),
            ([labels, try Tensor(shape: [4, 2], scalars: Array(repeating: 0, count: 8))], "the targets of output value have shape (4, 2)"),
            ([try Tensor(shape: [4], scalars: [0, 1, 3, 1]), values], "class index 2 of output label is 3.0"),
            ([try Tensor(shape: [4], scalars: [0, -1, 2, 1]), values], "class index 1 of output label is -1.0"),
            ([try Tensor(shape: [4], scalars: [0, 0.5, 2, 1]), values], "class index 1 of output label is 0.5"),
            ([labels, try Tensor(shape: [4, 1], scalars: [0, .nan, 1, 1])], "target 1 of output value is nan"),
            ([labels, try Tensor(shape: [4, 1], scalars: [0, 1, .infinity, 1])], "target 2 of output value is inf"),
            ([labels, try Tensor(shape: [3, 1], scalars: [0, 1, 1])], "3"),
        ]
    }

    @Test func fitAndEvaluateRefuseTargetsThatDoNotFitTheirOutputs() throws {
        let model = try Self.twoHeads(), x = try Self.x.get()
        let before = model.model.getWeights()
        for (targets, words) in try Self.badTargets() {
            for call in ["fit", "evaluate"] {
                let error = try #require(#expect(throws: (any Error).self) {
                    if call == "fit" { try model.fit(x: x, y: targets) } else { _ = try model.evaluate(x: x, y: targets) }
                })
                #expect("\(error)".contains(words), "\(call): \(error)")
            }
        }
        for weights: [Float] in [[1, 1, 1], [1, -1, 1, 1], [1, .nan, 1, 1]] {
            #expect(throws: (any Error).self) { try model.fit(x: x, y: [try Self.labels.get(), try Self.values.get()], sampleWeight: weights) }
        }
        #expect(model.model.getWeights() == before, "a refused fit took a step")
    }

    @Test func predictRefusesInputsThatDoNotFit() throws {
        let model = try Self.twoHeads()
        let wrongShape = try #require(#expect(throws: ModelError.self) { try model.predict(try Tensor(shape: [2, 4], scalars: Array(repeating: 0, count: 8))) })
        #expect("\(wrongShape)".contains("(None, 3)"))
        #expect(throws: ModelError.self) { try model.predict([try Self.x.get(), try Self.x.get()]) }
        let ids = KerasModel(try Sequential(input: Model.Input(name: "ids", shape: [2], dtype: .int32), layers: [Dense(units: 1)]))
        let float = try #require(#expect(throws: ModelError.self) { try ids.predict(try Tensor(shape: [1, 2], scalars: [3, 0.5])) })
        #expect("\(float)".contains("value 1 of input ids is 0.5, not a whole number"))
        #expect(throws: ModelError.self) { try ids.predict(try Tensor(shape: [1, 2], scalars: [3, 1e9])) }
    }

    @Test func tensorsRefuseValuesThatDoNotFillTheirShape() throws {
        let error = try #require(#expect(throws: (any Error).self) { try Tensor(shape: [2, 20], scalars: [1, 2, 3]) })
        #expect("\(error)".contains("40"), "\(error)")
        #expect(throws: (any Error).self) { try Tensor(shape: [-1, 3], scalars: []) }
    }

    @Test(arguments: [("fortran.npy", "Fortran order"), ("object.npy", "Python objects"), ("big_endian.npy", "big-endian")])
    func npyFilesOfOtherLayoutsAreRefusedByName(file: String, words: String) throws {
        let error = try #require(#expect(throws: NumpyError.self) { try Tensor(npy: SharedData.fixture("numpy/" + file)) })
        #expect("\(error)".contains(words), "\(error)")
    }

    @Test func compileRefusesNamesKerasDoesNotHave() throws {
        let model = try Self.twoHeads()
        #expect(throws: KerasNameError.self) { try model.compile(optimizer: .adam(), loss: "mean_square_error") }
        #expect(throws: KerasNameError.self) { try model.compile(optimizer: .adam(), loss: "mse", metrics: ["accuracy", "f2"]) }
        #expect(model.losses == [.sparseCategoricalCrossentropy, .meanSquaredError] && model.optimizer?.className == "SGD")
    }

    @Test func loadRefusesDamagedFilesNamingThem() throws {
        let folder = try TemporaryFolder()
        let whole = try Data(contentsOf: URL(fileURLWithPath: SharedData.reference("LeNet5.h5")))
        try whole.prefix(4096).write(to: URL(fileURLWithPath: folder.path("cut.h5")))
        for path in [folder.path("cut.h5"), folder.path("absent.keras"), folder.path("")] {
            let error = try #require(#expect(throws: (any Error).self) { try KerasModel.load(path) })
            #expect("\(error)".hasPrefix(path), "\(error)")
        }
        let model = try Self.twoHeads()
        #expect(throws: (any Error).self) { try model.loadWeights(folder.path("cut.h5")) }
        #expect(throws: (any Error).self) { try model.save(folder.path("missing-folder/m.keras")) }
        #expect(throws: (any Error).self) { try model.save(folder.path("m.txt")) }
        #expect(!FileManager.default.fileExists(atPath: folder.path("m.txt")))
    }
}
