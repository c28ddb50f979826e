import Foundation
import NeuralNet
import Testing

/// A model with several inputs, as `keras.Model([a, b], out)`: each input feeds its own branch, the arrays are
/// taken in the model's order of inputs, an integer input takes whole numbers only, and training reaches the
/// weights of every branch.
@Suite struct MultipleInputTests {
    /// `numbers` (3 floats) and `codes` (2 int32 values), each through a tanh Dense layer, joined, then a
    /// linear Dense layer of 3 units trained with mean squared error.
    static func makeModel(workers: Int = Parallel.coreCount) throws -> Model {
        let nodes = [Node(Dense(units: 4, activation: .tanh, name: "left"), inputs: [.input(0)]),
                     Node(Dense(units: 4, activation: .tanh, name: "right"), inputs: [.input(1)]),
                     Node(Concatenate(name: "joined"), inputs: [.node(0), .node(1)]),
                     Node(Dense(units: 3, name: "out"), inputs: [.node(2)])]
        let model = try Model(name: "two", inputs: [Model.Input(name: "numbers", shape: [3]),
                                                    Model.Input(name: "codes", shape: [2], dtype: .int32)],
                              nodes: nodes, seed: 5, workerCount: workers)
        model.loss = .meanSquaredError
        return model
    }

    static let count = 7
    static let numbers = (0..<count * 3).map { Float($0 % 5) / 5 - 0.4 }
    static let codes = (0..<count * 2).map { Float($0 % 4) }
    static let targets = (0..<count * 3).map { Float($0 % 3) / 2 }

    /// `x · kernel + bias` of a Dense layer, one row per sample, through `activation`.
    static func dense(_ layer: Layer, _ x: [Float], inputs: Int, activation: (Float) -> Float) -> [Float] {
        let kernel = layer.weights[0], bias = layer.weights[1], units = bias.count
        return (0..<x.count / inputs).flatMap { row in
            (0..<units).map { unit in
                activation((0..<inputs).reduce(bias.value[unit]) { $0 + x[row * inputs + $1] * kernel.value[$1 * units + unit] })
            }
        }
    }

    @Test func eachInputFeedsItsBranchInTheModelsOrder() throws {
        let model = try Self.makeModel()
        #expect(model.inputNames == ["numbers", "codes"] && model.inputShapes == [[3], [2]] && model.inputs[1].dtype == .int32)
        let left = Self.dense(model.layers[0], Self.numbers, inputs: 3, activation: tanh)
        let right = Self.dense(model.layers[1], Self.codes, inputs: 2, activation: tanh)
        var joined: [Float] = []
        for row in 0..<Self.count {
            let start = row * 4
            joined += left[start..<start + 4]
            joined += right[start..<start + 4]
        }
        let expected = Self.dense(model.layers[3], joined, inputs: 8) { $0 }
        let predicted = try model.predictEach([Self.numbers, Self.codes], batchSize: 3)[0]
        #expect(zip(predicted, expected).allSatisfy { abs($0 - $1) <= 1e-5 }, "\(predicted) vs \(expected)")
    }

    /// The gradient of every branch's kernel against central differences of the evaluated loss (float32
    /// forward passes: within 2e-3 plus 2%).
    @Test func trainingReachesTheWeightsOfEveryBranch() throws {
        let model = try Self.makeModel()
        let data = try Samples(count: Self.count, inputs: [Self.numbers, Self.codes], targets: [Self.targets])
        let analytic = withUnsafePointers(to: data.inputs + data.targets) { arrays in
            _ = model.trainingPass(Batch(count: data.count, inputs: Array(arrays[..<2]), targets: [arrays[2]]))
            return model.parameters.map(\.gradientTensor.scalars)
        }
        for (index, parameter) in model.parameters.enumerated() {
            for entry in stride(from: 0, to: parameter.count, by: 3) {
                let kept = parameter.value[entry], step: Float = 1e-3
                func loss(at value: Float) throws -> Double {
                    parameter.value[entry] = value
                    parameter.valuesChanged()
                    return try model.evaluate(data).loss
                }
                let numeric = (try loss(at: kept + step) - loss(at: kept - step)) / Double(2 * step)
                _ = try loss(at: kept)
                let gap = abs(numeric - Double(analytic[index][entry]))
                #expect(gap <= 2e-3 + 0.02 * abs(numeric), "parameter \(index) entry \(entry): \(analytic[index][entry]) vs \(numeric)")
            }
        }
    }

    @Test func dataThatDoesNotFitTheInputsIsRefusedByName() throws {
        let model = try Self.makeModel()
        let wrongCount = #expect(throws: ModelError.self) { try model.predictEach([Self.numbers]) }
        #expect("\(wrongCount!)".contains("takes 2 inputs (numbers, codes), the data has 1"))
        let swapped = #expect(throws: ModelError.self) { try model.predictEach([Self.codes, Self.numbers]) }
        #expect("\(swapped!)".contains("input numbers is given 14 values, not a whole number of samples of (None, 3)"))
        var fractional = Self.codes
        fractional[5] = 1.5
        let notWhole = #expect(throws: ModelError.self) { try model.predictEach([Self.numbers, fractional]) }
        #expect("\(notWhole!)".contains("value 5 of input codes is 1.5, not a whole number"))
        let shaped = #expect(throws: ModelError.self) {
            try model.samples(inputs: [Tensor(shape: [7, 3], scalars: Self.numbers), Tensor(shape: [2, 7], scalars: Self.codes)])
        }
        #expect("\(shaped!)".contains("does not fit input codes (None, 2)"))
        let counts = #expect(throws: ModelError.self) {
            try model.samples(inputs: [Tensor(shape: [7, 3], scalars: Self.numbers), Tensor(shape: [1, 2], scalars: [0, 1])])
        }
        #expect("\(counts!)".contains("for 7 samples"))
    }

    /// Inputs are named once and read by index; a layer whose name is taken is numbered, as Keras numbers
    /// layers left unnamed.
    @Test func inputsMustBeNamedOnceAndReadByIndex() throws {
        func model(_ inputs: [Model.Input], reading index: Int = 0) throws -> Model {
            try Model(name: "m", inputs: inputs, nodes: [Node(Dense(units: 2, name: "out"), inputs: [.input(index)])])
        }
        #expect(throws: ModelError.invalidConfiguration("two inputs are named a")) {
            try model([Model.Input(name: "a", shape: [2]), Model.Input(name: "a", shape: [2])])
        }
        #expect(try model([Model.Input(name: "out", shape: [2])]).layers[0].name == "out_1")
        #expect(throws: ModelError.invalidInput(layer: "out", reason: "takes input 1 of a model with 1 inputs")) {
            try model([Model.Input(name: "a", shape: [2])], reading: 1)
        }
        #expect(throws: ModelError.invalidConfiguration("a model has 1 to 16 inputs, not 0")) { try model([]) }
        let unnamed = try Sequential(inputShape: [3], layers: [Dense(units: 4), Dense(units: 4), Dense(units: 2, name: "dense_1"), Dense(units: 1)])
        #expect(unnamed.layers.map(\.name) == ["dense", "dense_2", "dense_1", "dense_3"])
    }
}
