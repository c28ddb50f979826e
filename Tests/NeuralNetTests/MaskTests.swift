import NeuralNet
import Testing

/// Masks carried as Keras 3 carries them: made by Masking and Embedding(mask_zero), passed on, read by the
/// recurrent layers and GlobalAveragePooling1D, weighing the loss and metrics; values worked out by hand.
@Suite struct MaskTests {
    /// h = x · 2 + h · 0.5 + 1, as in LayerTests.
    static let weights = [try! Tensor(shape: [1, 1], scalars: [2]), try! Tensor(shape: [1, 1], scalars: [0.5]), try! Tensor(shape: [1], scalars: [1])]

    /// Runs `layer` behind a Masking of 0 over one (3, 1) sample.
    func masked(_ layer: RecurrentLayer, _ input: [Float]) throws -> [Float] {
        let model = try Sequential(inputShape: [3, 1], layers: [Masking(), layer], workerCount: 1)
        for (parameter, tensor) in zip(layer.parameters, Self.weights) { try parameter.assign(tensor) }
        return try model.predict(input, batchSize: 1)
    }

    /// Over 1, (masked), 3 the state goes 3, 3, 2·3 + 0.5·3 + 1; a masked step outputs the state carried, or 0.
    @Test func aMaskedStepKeepsTheState() throws {
        expectClose(try masked(SimpleRNN(units: 1, activation: .linear, returnSequences: true), [1, 0, 3]), [3, 3, 8.5])
        let zeroing = SimpleRNN(units: 1, activation: .linear, returnSequences: true)
        zeroing.zeroOutputForMask = true
        expectClose(try masked(zeroing, [1, 0, 3]), [3, 0, 8.5])
        // Backwards over 1, 2, (masked): the masked step runs first, from the zero state.
        expectClose(try masked(SimpleRNN(units: 1, activation: .linear, returnSequences: true, goBackwards: true), [1, 2, 0]), [0, 5, 5.5])
        // The last step masked: the state before it, or 0 with zero_output_for_mask, as Keras's loop gives.
        expectClose(try masked(SimpleRNN(units: 1, activation: .linear), [1, 2, 0]), [6.5])
        let zeroingLast = SimpleRNN(units: 1, activation: .linear)
        zeroingLast.zeroOutputForMask = true
        expectClose(try masked(zeroingLast, [1, 2, 0]), [0])
    }

    /// An LSTM keeps its carry too: a masked step in the middle changes nothing of what follows.
    @Test func aMaskedLSTMStepIsSkipped() throws {
        func run(_ input: [Float], steps: Int, mask: Bool) throws -> [Float] {
            let layer = LSTM(units: 2)
            let layers: [Layer] = mask ? [Masking(), layer] : [layer]
            let model = try Sequential(inputShape: [steps, 2], layers: layers, seed: 4, workerCount: 1)
            return try model.predict(input, batchSize: 1)
        }
        expectClose(try run([0.5, -1, 0, 0, 0.25, 2], steps: 3, mask: true), try run([0.5, -1, 0.25, 2], steps: 2, mask: false))
    }

    /// GlobalAveragePooling1D means the unmasked steps only; Embedding's mask_zero masks index 0.
    @Test func averagePoolingCountsUnmaskedSteps() throws {
        let pooled = try Sequential(inputShape: [3, 2], layers: [Masking(), GlobalPooling1D(.average)], workerCount: 1)
        expectClose(try pooled.predict([1, 2, 0, 0, 3, 4], batchSize: 1), [2, 3])
        let embedding = Embedding(inputDimension: 3, outputDimension: 1)
        embedding.maskZero = true
        let text = try Sequential(inputShape: [4], layers: [embedding, GlobalPooling1D(.average)], workerCount: 1)
        try embedding.embeddings.assign(try Tensor(shape: [3, 1], scalars: [100, 2, 4]))
        expectClose(try text.predict([1, 0, 2, 0], batchSize: 1), [3])
        // Without mask_zero, index 0's row counts.
        embedding.maskZero = false
        let unmasked = try Sequential(inputShape: [4], layers: [embedding, GlobalPooling1D(.average)], workerCount: 1)
        try embedding.embeddings.assign(try Tensor(shape: [3, 1], scalars: [100, 2, 4]))
        expectClose(try unmasked.predict([1, 0, 2, 0], batchSize: 1), [51.5])
    }

    /// Keras's rules: a layer without mask support ends the mask; one whose use of it is not supported here,
    /// a mask that does not fit its reader, and an output mask made from another layer's output are refused.
    @Test func masksEndOrAreRefusedAsKerasWouldUseThem() throws {
        func embedding() -> Embedding {
            let layer = Embedding(inputDimension: 5, outputDimension: 2)
            layer.maskZero = true
            return layer
        }
        // Conv1D ends the mask: the LSTM after it reads none, so index 0 is an ordinary step.
        let ended = try Sequential(inputShape: [4], layers: [embedding(), Conv1D(filters: 2, kernelSize: 1), LSTM(units: 2)], workerCount: 1)
        #expect(ended.nodes.count == 3)
        let merged = #expect(throws: ModelError.self) {
            try Model(name: "m", inputShape: [4], nodes: [Node(embedding(), inputs: [.input(0)]), Node(Embedding(inputDimension: 5, outputDimension: 2), inputs: [.input(0)]),
                                                          Node(Merge(.add), inputs: [.node(0), .node(1)])])
        }
        #expect(merged?.description == "layer add: Add is given different masks, or a mask on some inputs only, which Keras 3 and tf-keras join differently: not supported")
        // Branches of one mask join; Maximum would fill masked values, refused.
        func branches(_ merge: Layer) throws -> Model {
            try Model(name: "m", inputShape: [4], nodes: [Node(embedding(), inputs: [.input(0)]), Node(Dense(units: 2), inputs: [.node(0)]),
                                                          Node(merge, inputs: [.node(0), .node(1)]), Node(LSTM(units: 2), inputs: [.node(2)])])
        }
        _ = try branches(Merge(.add))
        _ = try branches(Concatenate())
        #expect(throws: ModelError.self) { try branches(Merge(.maximum)) }
        #expect(throws: ModelError.self) { try branches(Concatenate(axis: 1)) }
        // Reshape ends the mask; through TimeDistributed it reaches an LSTM with fewer steps than it has values.
        _ = try Sequential(inputShape: [3, 2, 2], layers: [Masking(), Reshape([6, 2]), LSTM(units: 2)])
        let fit = #expect(throws: ModelError.self) {
            try Sequential(inputShape: [3, 2, 2], layers: [Masking(), TimeDistributed(Flatten()), LSTM(units: 2)])
        }
        #expect(fit?.description == "layer lstm: its input carries the mask masking makes, of 6 values per sample, where it has 3 positions")
        let inner = #expect(throws: ModelError.self) {
            try Sequential(inputShape: [3, 2], layers: [Dense(units: 2), Masking(), Dense(units: 1)])
        }
        #expect(inner?.description.contains("makes a mask from another layer's output that reaches the model's output") == true)
        // That mask may still be read on the way.
        _ = try Sequential(inputShape: [3, 2], layers: [Dense(units: 2), Masking(), LSTM(units: 1)])
        // Keras 3 runs a recurrent layer given initial states without its mask, tf-keras with it: refused.
        let encoder = GRU(units: 2)
        encoder.returnState = true
        let started = #expect(throws: ModelError.self) {
            try Model(name: "m", inputShape: [3, 2], nodes: [Node(encoder, inputs: [.input(0)]), Node(Masking(), inputs: [.input(0)]),
                                                             Node(GRU(units: 2), inputs: [.node(1), .node(0, tensor: 1)])])
        }
        #expect(started?.description == "layer gru_1: GRU is given the mask masking makes, which is not supported")
    }

    /// The loss and mean metrics of an output with a mask are over its unmasked positions of the whole
    /// batch, as Keras weighs them (all positions over the unmasked ones), however the batch is split.
    @Test(arguments: [1, 2])
    func theLossAveragesUnmaskedPositions(workers: Int) throws {
        let dense = Dense(units: 1, useBias: false)
        let model = try Sequential(inputShape: [3, 1], layers: [Masking(), dense], workerCount: workers)
        try dense.kernel.assign(try Tensor(shape: [1, 1], scalars: [1]))
        model.loss = .meanSquaredError
        try model.setMetrics([[.meanAbsoluteError]])
        // Predictions equal the inputs; masked positions (0) have targets far off that must not count.
        let inputs: [Float] = [1, 0, 2, 0, 0, 3], targets: [Float] = [2, 9, 2, 9, 9, 1]
        let result = try model.evaluate(try Samples(count: 2, inputs: [inputs], targets: [targets]), batchSize: 2)
        #expect(abs(result.loss - 5.0 / 3) < 1e-6)  // (1 + 0 + 4) over 3 unmasked positions
        #expect(abs((result.scores["mae"] ?? .nan) - 1) < 1e-6)  // (1 + 0 + 2) / 3
        // A batch with every position masked has a loss of 0.
        let none = try model.evaluate(try Samples(count: 1, inputs: [[0, 0, 0]], targets: [[1, 1, 1]]), batchSize: 1)
        #expect(none.loss == 0)
    }

    static let cases: [GradientTests.Case] = [
        GradientTests.Case(name: "masked LSTM sequences into a backwards GRU", inputShape: [5, 2], padded: true) {
            [Masking(), LSTM(units: 3, returnSequences: true), GRU(units: 2, goBackwards: true), Dense(units: 3, activation: .softmax)]
        },
        GradientTests.Case(name: "masked bidirectional SimpleRNN into average pooling", inputShape: [5, 2], padded: true) {
            [Masking(), Dense(units: 3, activation: .tanh),
             Bidirectional(SimpleRNN(units: 2, returnSequences: true), backwardLayer: SimpleRNN(units: 2, returnSequences: true, goBackwards: true)),
             GlobalPooling1D(.average), Dense(units: 3, activation: .softmax)]
        },
        GradientTests.Case(name: "masked GRU reset before, zero outputs, per-step loss", inputShape: [5, 2], padded: true) {
            let gru = GRU(units: 3, resetAfter: false, returnSequences: true)
            gru.zeroOutputForMask = true
            return [Masking(), gru, TimeDistributed(Dense(units: 3, activation: .softmax))]
        },
        GradientTests.Case(name: "masked LSTM, the last step masked for some samples", inputShape: [5, 2], padded: true) {
            [Masking(), LSTM(units: 3), Dense(units: 3, activation: .softmax)]
        },
    ]

    @Test(arguments: cases)
    func maskedBackwardMatchesFiniteDifferences(_ testCase: GradientTests.Case) throws {
        try GradientTests().backwardMatchesFiniteDifferences(testCase)
    }
}
