import Foundation
import Architectures
import KerasSwift
import MNIST
import TestSupport
import Testing

/// The Keras-like facade: loading any form, predicting with shapes checked, compiling, training, evaluating
/// and saving, with typed errors for calls that cannot be carried out.
@Suite struct KerasModelTests {
    static let test = Result { try MNIST.loadTest(from: SharedData.mnist).prefix(64) }

    static func images(for model: KerasModel) throws -> (x: Tensor, y: [Int]) {
        let images = try test.get()
        return (try Tensor(shape: [images.count] + model.inputShape, scalars: Architecture.lenet5.preprocessing.inputs(images)),
                images.labels.map { Int($0) })
    }

    @Test func aLoadedFileIsCompiledAndPredictsWhatTheModelDoes() throws {
        let model = try KerasModel.load(SharedData.reference("LeNet5.h5"))
        #expect(model.inputShape == [32, 32, 1] && model.outputShape == [10])
        #expect(model.optimizer?.className == "SGD" && model.losses == [.sparseCategoricalCrossentropy])
        let (x, y) = try Self.images(for: model)
        let predictions = try model.predict(x)
        #expect(predictions.shape == [64, 10])
        #expect(try predictions.scalars == model.model.predict(x.scalars))
        let evaluation = try model.evaluate(x: x, y: y)
        #expect(evaluation.count == 64 && evaluation.scores["accuracy"]! > 0.95)
        #expect(model.summary().contains("Total params: 61,706 (241.04 KB)"))
    }

    /// A model whose sequence length is open (None) loads for the length of the data it is given, any length.
    @Test func aModelWithAnOpenAxisLoadsForTheDataItIsGiven() throws {
        var input = Model.Input(name: "tokens", shape: [5], dtype: .int32)
        input.variableAxes = [0]
        let model = try Sequential(input: input, layers: [Embedding(inputDimension: 10, outputDimension: 3), GRU(units: 2)], seed: 2)
        let folder = try TemporaryFolder()
        let path = folder.path("open.keras")
        try KerasModel(model).save(path)
        #expect(throws: KerasFormatError.self) { try KerasModel.load(path) }
        for length in [3, 8] {
            let loaded = try KerasModel.load(path, inputShapes: [[length]])
            #expect(loaded.inputShape == [length])
            let ids = try Tensor(shape: [2, length], scalars: (0..<2 * length).map { Float($0 % 10) })
            #expect(try loaded.predict(ids).shape == [2, 2])
        }
    }

    @Test func aWeightsFileLoadsIntoAModelBuiltInSwiftOrFromAConfig() throws {
        let weights = SharedData.reference("LeNet5.weights.h5")
        #expect(throws: KerasFormatError(file: weights, .noModelConfig(.weightsH5))) { try KerasModel.load(weights) }
        let built = KerasModel(try Architecture.lenet5.makeModel(seed: 1))
        try built.loadWeights(weights)
        let preset = try Architecture.load(weights, as: .lenet5)
        let (x, _) = try Self.images(for: built)
        #expect(try built.predict(x).scalars == preset.model.predict(x.scalars))

        // A config with its compile settings, as a `.keras` archive's config.json holds it.
        let full = try KerasModel.load(SharedData.reference("LeNet5.h5"))
        let folder = try TemporaryFolder()
        try Data(ConfigWriter.archiveConfig(full.model, optimizer: full.optimizer).pythonJSON.utf8).write(to: URL(fileURLWithPath: folder.path("config.json")))
        let configured = try KerasModel.fromConfig(folder.path("config.json"), seed: 7)
        #expect(configured.optimizer?.className == "SGD" && configured.optimizer?.iterations == 0)
        #expect(configured.losses == [.sparseCategoricalCrossentropy])
        #expect(try configured.predict(x) != full.predict(x))
        try configured.loadWeights(SharedData.reference("LeNet5.h5"))
        #expect(try configured.predict(x) == full.predict(x))
    }

    @Test func filesThatAreMissingOrNotWhatTheirNameSaysGetErrorsThatSaySo() throws {
        let folder = try TemporaryFolder()
        try Data("not a zip".utf8).write(to: URL(fileURLWithPath: folder.path("text.keras")))
        try Data("{\"class_name\": ".utf8).write(to: URL(fileURLWithPath: folder.path("cut.json")))
        let model = KerasModel(try Sequential(inputShape: [3], layers: [Dense(units: 1)]))
        let missing = folder.path("missing.h5")
        let messages = [
            try #require(#expect(throws: (any Error).self) { try KerasModel.load(missing) }),
            try #require(#expect(throws: (any Error).self) { try model.loadWeights(missing) }),
            try #require(#expect(throws: (any Error).self) { try KerasModel.fromConfig(folder.path("missing.json")) }),
        ].map { "\($0)" }
        for message in messages { #expect(message.contains("missing.") && message.contains("no such file"), "\(message)") }
        #expect(throws: KerasFormatError(file: folder.path("text.keras"), .notAnArchive)) { try KerasModel.load(folder.path("text.keras")) }
        #expect(throws: KerasFormatError(file: folder.path("text.keras"), .notAnArchive)) { try model.loadWeights(folder.path("text.keras")) }
        let cut = try #require(#expect(throws: KerasFormatError.self) { try KerasModel.fromConfig(folder.path("cut.json")) })
        #expect(cut.file == folder.path("cut.json"))
    }

    @Test func weightsThatDoNotFitLeaveTheModelAsItWas() throws {
        let model = KerasModel(try Architecture.mlp.makeModel(seed: 1))
        let before = model.model.getWeights()
        #expect(throws: KerasFormatError.self) { try model.loadWeights(SharedData.reference("LeNet5.weights.h5")) }
        #expect(throws: KerasFormatError.self) { try model.loadWeights(SharedData.reference("LeNet5.h5")) }
        #expect(model.model.getWeights() == before)
    }

    @Test func wrongShapesAndLabelsAreRefusedWithTypedErrors() throws {
        let model = try KerasModel.load(SharedData.reference("LeNet5.h5"))
        #expect(throws: ModelError.invalidData("the array's shape (2, 28, 28, 1) does not fit input input_layer (None, 32, 32, 1)")) {
            try model.predict(try Tensor(zeros: [2, 28, 28, 1]))
        }
        let x = try Tensor(zeros: [2, 32, 32, 1])
        #expect(throws: ModelError.invalidData("the targets of output dense_2 have shape (1,); its loss sparse_categorical_crossentropy "
                                               + "takes (None,) for 2 samples")) { try model.fit(x: x, y: [3]) }
        #expect(throws: KerasModelError.labelOutOfRange(index: 1, label: 10, classes: 10)) { try model.fit(x: x, y: [3, 10]) }
        let fresh = KerasModel(try Architecture.lenet5.makeModel(seed: 1))
        #expect(fresh.optimizer == nil)
        #expect(throws: KerasModelError.notCompiled) { try fresh.fit(x: x, y: [1, 2]) }
    }

    @Test(arguments: ["retrained.keras", "retrained.h5", "retrained.weights.h5"])
    func aModelTrainedHereSavesInEveryFormAndLoadsBackTheSame(name: String) throws {
        let model = try KerasModel.load(SharedData.reference("LeNet5.h5"))
        try model.compile(optimizer: .adam(learningRate: 1e-3), metrics: [.accuracy])
        let (x, y) = try Self.images(for: model)
        let before = try model.predict(x)
        let history = try model.fit(x: x, y: y, epochs: 2, batchSize: 16, shuffle: .off)
        #expect(history.loss.count == 2 && history["accuracy"].count == 2)
        let after = try model.predict(x)
        #expect(after != before)
        let folder = try TemporaryFolder()
        try model.save(folder.path(name))
        let reloaded = name.hasSuffix(".weights.h5") ? KerasModel(try Architecture.lenet5.makeModel(seed: 2)) : try KerasModel.load(folder.path(name))
        if name.hasSuffix(".weights.h5") { try reloaded.loadWeights(folder.path(name)) }
        #expect(try reloaded.predict(x) == after)
        if !name.hasSuffix(".weights.h5") {
            #expect(reloaded.optimizer?.className == "Adam")
            #expect(reloaded.optimizer?.iterations == 8)
        }
    }

    @Test func aModelSavesForOnnxruntimeAndRefusesToReadItBack() throws {
        let model = try KerasModel.load(SharedData.reference("LeNet5.h5"))
        let folder = try TemporaryFolder(), path = folder.path("lenet.onnx")
        try model.save(path)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(bytes.first == 0x08 && bytes.range(of: Data("keras-swift".utf8)) != nil, "a ModelProto: ir_version first, then the producer")
        #expect(throws: KerasFormatError(file: path, .exportOnly("ONNX"))) { try KerasModel.load(path) }
    }
}
