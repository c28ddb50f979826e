import NeuralNet
import TestSupport
import Testing

/// Backward passes against central finite differences of the loss.
///
/// The forward pass is float32, so the loss carries rounding of about 1e-7 relative; with a step of 1e-3
/// the difference quotient is good to about 3e-4 (rounding; truncation O(h²) is far smaller). A gradient is
/// accepted within 2e-3 absolute plus 2% relative: broken backward passes miss by orders of magnitude more.
/// ReLU and max pooling have kinks; where a step crosses one, the quotients for steps h and 4h disagree and
/// that entry is not compared (at most a fifth of the entries may be skipped so). The loss is the training
/// pass's, whose gradient backward computes (BatchNormalization normalises with the batch's statistics there).
@Suite struct GradientTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let name: String
        let inputShape: [Int]
        /// The model's nodes, made afresh for each test.
        let makeNodes: @Sendable () -> [Node]
        /// The loss the model trains with.
        var loss = Loss.sparseCategoricalCrossentropy
        /// For a model with several outputs: the output nodes, each one's loss and its weight.
        var outputs: [(node: Int, loss: Loss, weight: Double)] = []
        /// Whether the data has whole steps of zeros for a Masking layer to mask (see ``data(shape:count:padded:)``).
        var padded = false
        var testDescription: String { name }

        /// A stack of layers, each taking the previous one's output.
        init(name: String, inputShape: [Int], loss: Loss = .sparseCategoricalCrossentropy, padded: Bool = false,
             makeLayers: @escaping @Sendable () -> [Layer]) {
            self.name = name
            self.inputShape = inputShape
            self.loss = loss
            self.padded = padded
            makeNodes = { makeLayers().enumerated().map { Node($1, inputs: [$0 == 0 ? .input(0) : .node($0 - 1)]) } }
        }

        /// A graph, with the last node as its output or with `outputs`.
        init(name: String, inputShape: [Int], outputs: [(node: Int, loss: Loss, weight: Double)] = [],
             graph: @escaping @Sendable () -> [Node]) {
            self.name = name
            self.inputShape = inputShape
            self.outputs = outputs
            makeNodes = graph
        }

        /// The model, seeded alike for every test.
        func makeModel() throws -> Model {
            let model = try Model(name: "model", inputShape: inputShape, nodes: makeNodes(),
                                  outputs: outputs.isEmpty ? nil : outputs.map(\.node), seed: 3, workerCount: 1)
            if outputs.isEmpty {
                model.loss = loss
            } else {
                try model.setLosses(outputs.map(\.loss), weights: outputs.map(\.weight))
            }
            return model
        }
    }

    /// Graphs that join branches with each merge layer and Concatenate, one output used by several layers, and
    /// layers run at several nodes (shared), and two outputs.
    static let graphCases: [Case] = Merge.Kind.allCases.map { kind in
        Case(name: "branches joined by \(kind.rawValue)", inputShape: [5]) {
            let count = kind == .subtract ? 2 : 3
            let branches = (0..<count).map { _ in Node(Dense(units: 4, activation: .tanh), inputs: [.input(0)]) }
            return branches + [Node(Merge(kind), inputs: (0..<count).map { .node($0) }),
                               Node(Dense(units: 3, activation: .softmax), inputs: [.node(count)])]
        }
    } + [
        Case(name: "concatenate on the last axis, one branch taken twice", inputShape: [5]) {
            [Node(Dense(units: 4, activation: .tanh), inputs: [.input(0)]), Node(Dense(units: 2, activation: .tanh), inputs: [.input(0)]),
             Node(Concatenate(), inputs: [.node(0), .node(1), .node(0)]), Node(Dense(units: 3, activation: .softmax), inputs: [.node(2)])]
        },
        Case(name: "concatenate on a middle axis after convolutions", inputShape: [4, 4, 1]) {
            [Node(Conv2D(filters: 2, kernelSize: (2, 2), activation: .tanh), inputs: [.input(0)]),
             Node(Conv2D(filters: 2, kernelSize: (2, 2), activation: .relu), inputs: [.input(0)]),
             Node(Concatenate(axis: 1), inputs: [.node(0), .node(1)]), Node(Flatten(), inputs: [.node(2)]),
             Node(Dense(units: 3, activation: .softmax), inputs: [.node(3)])]
        },
        Case(name: "a Dense layer shared: run twice in a row and on the input", inputShape: [4]) {
            let shared = Dense(units: 4, activation: .tanh)
            return [Node(Dense(units: 4, activation: .tanh), inputs: [.input(0)]), Node(shared, inputs: [.node(0)]),
                    Node(shared, inputs: [.node(1)]), Node(shared, inputs: [.input(0)]), Node(Merge(.add), inputs: [.node(2), .node(3)]),
                    Node(Dense(units: 3, activation: .softmax), inputs: [.node(4)])]
        },
        Case(name: "a convolution shared: run on its own output", inputShape: [4, 4, 2]) {
            let shared = Conv2D(filters: 2, kernelSize: (3, 3), padding: .same, activation: .tanh)
            return [Node(shared, inputs: [.input(0)]), Node(shared, inputs: [.node(0)]), Node(Flatten(), inputs: [.node(1)]),
                    Node(Dense(units: 3, activation: .softmax), inputs: [.node(2)])]
        },
        Case(name: "two outputs, one also feeding the other, with their own losses and weights", inputShape: [4],
             outputs: [(3, Loss(.categoricalCrossentropy), 0.3), (2, Loss(.sparseCategoricalCrossentropy, fromLogits: true), 1.5)]) {
            [Node(Dense(units: 5, activation: .tanh), inputs: [.input(0)]), Node(Dense(units: 4, activation: .tanh), inputs: [.node(0)]),
             Node(Dense(units: 3), inputs: [.node(1)]), Node(Dense(units: 3, activation: .softmax), inputs: [.node(2)])]
        },
        // An encoder's state and carry (its outputs 1 and 2) start a decoder; the state also feeds a Dense; the
        // encoder's own output (0) is not used, so its gradient is 0.
        Case(name: "encoder states into a decoder's initial state and a Dense", inputShape: [5, 2]) {
            let encoder = LSTM(units: 3)
            encoder.returnState = true
            return [Node(encoder, inputs: [.input(0)]), Node(Dense(units: 2, activation: .tanh), inputs: [.input(0)]),
                    Node(LSTM(units: 3, returnSequences: true), inputs: [.node(1), .node(0, tensor: 1), .node(0, tensor: 2)]),
                    Node(Dense(units: 2, activation: .tanh), inputs: [.node(0, tensor: 1)]), Node(Flatten(), inputs: [.node(2)]),
                    Node(Concatenate(), inputs: [.node(4), .node(3)]), Node(Dense(units: 3, activation: .softmax), inputs: [.node(5)])]
        },
        // A model output of two outputs: its sequence has a loss, its last state feeds the other output.
        Case(name: "a GRU's sequence as an output, its state into another", inputShape: [4, 2],
             outputs: [(0, Loss(.meanSquaredError), 1), (1, Loss(.categoricalCrossentropy), 0.5)]) {
            let gru = GRU(units: 3, returnSequences: true, goBackwards: true)
            gru.returnState = true
            return [Node(gru, inputs: [.input(0)]), Node(Dense(units: 3, activation: .softmax), inputs: [.node(0, tensor: 1)])]
        },
        Case(name: "residual add", inputShape: [4, 4, 2]) {
            [Node(Conv2D(filters: 2, kernelSize: (3, 3), padding: .same, activation: .tanh), inputs: [.input(0)]),
             Node(Merge(.add), inputs: [.node(0), .input(0)]), Node(GlobalPooling2D(.average), inputs: [.node(1)]),
             Node(Dense(units: 3, activation: .softmax), inputs: [.node(2)])]
        },
    ]

    /// Every loss, on the outputs it takes its logits from and on others.
    static let lossCases: [Case] = [
        (Loss(.sparseCategoricalCrossentropy, fromLogits: true), Activation.linear), (Loss(.categoricalCrossentropy), .softmax),
        (Loss(.categoricalCrossentropy), .sigmoid), (Loss(.categoricalCrossentropy, fromLogits: true), .linear),
        (Loss(.binaryCrossentropy), .sigmoid), (Loss(.binaryCrossentropy), .softmax), (Loss(.binaryCrossentropy, fromLogits: true), .linear),
        (Loss(.meanSquaredError), .softmax), (Loss(.meanSquaredError), .linear),
    ].map { loss, activation in
        Case(name: "\(loss) after \(activation.rawValue)", inputShape: [5], loss: loss) {
            [Dense(units: 4, activation: .tanh), Dense(units: 3, activation: activation)]
        }
    }

    static let cases: [Case] = [
        Case(name: "dense tanh + softmax", inputShape: [5]) { [Dense(units: 4, activation: .tanh), Dense(units: 3, activation: .softmax)] },
        Case(name: "dense relu", inputShape: [5]) { [Dense(units: 6, activation: .relu), Dense(units: 3, activation: .softmax)] },
        Case(name: "dense sigmoid", inputShape: [5]) { [Dense(units: 4, activation: .sigmoid), Dense(units: 3, activation: .softmax)] },
        Case(name: "dense linear, no bias", inputShape: [5]) { [Dense(units: 4, useBias: false), Dense(units: 3, activation: .softmax)] },
        Case(name: "hidden softmax", inputShape: [5]) { [Dense(units: 4, activation: .softmax), Dense(units: 3, activation: .softmax)] },
        Case(name: "sigmoid output (probability loss)", inputShape: [5]) { [Dense(units: 4, activation: .tanh), Dense(units: 3, activation: .sigmoid)] },
        Case(name: "conv valid", inputShape: [5, 5, 2]) {
            [Conv2D(filters: 3, kernelSize: (3, 3), activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "conv same strided", inputShape: [5, 5, 2]) {
            [Conv2D(filters: 2, kernelSize: (3, 2), strides: (2, 2), padding: .same, activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "conv + average pooling", inputShape: [6, 6, 1]) {
            [Conv2D(filters: 2, kernelSize: (3, 3), activation: .relu), Pooling2D(.average), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "conv + max pooling", inputShape: [6, 6, 1]) {
            [Conv2D(filters: 2, kernelSize: (3, 3), activation: .tanh), Pooling2D(.max), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "same-padded average pooling", inputShape: [5, 5, 2]) {
            [Conv2D(filters: 2, kernelSize: (2, 2), activation: .tanh), Pooling2D(.average, padding: .same), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "single channel, 16 filters, same padding", inputShape: [5, 6, 1]) {
            [Conv2D(filters: 16, kernelSize: (3, 3), padding: .same, activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "single channel, 32 filters, five-wide window", inputShape: [4, 9, 1]) {
            [Conv2D(filters: 32, kernelSize: (2, 5), activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "single channel, 5 filters, odd output height", inputShape: [7, 20, 1]) {
            [Conv2D(filters: 5, kernelSize: (4, 3), activation: .tanh), Pooling2D(.max), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        // Dilated, grouped and 1-D convolutions behind a 1x1 one, whose gradients carry their input gradients.
        Case(name: "dilated conv, same", inputShape: [7, 7, 2]) {
            [Conv2D(filters: 3, kernelSize: (1, 1), activation: .tanh),
             Conv2D(filters: 3, kernelSize: (3, 2), padding: .same, dilationRate: (2, 3), activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "grouped conv, strided", inputShape: [6, 6, 2]) {
            [Conv2D(filters: 4, kernelSize: (1, 1), activation: .tanh),
             Conv2D(filters: 6, kernelSize: (3, 3), strides: (2, 2), groups: 2, activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "conv1d causal, dilated", inputShape: [9, 3]) {
            [Conv1D(filters: 4, kernelSize: 1, activation: .tanh), Conv1D(filters: 4, kernelSize: 3, padding: .causal, dilationRate: 2, activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "conv1d same, strided, grouped", inputShape: [8, 2]) {
            [Conv1D(filters: 4, kernelSize: 2, activation: .tanh), Conv1D(filters: 6, kernelSize: 3, strides: 2, padding: .same, groups: 2, activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "depthwise conv, multiplier 2, dilated", inputShape: [7, 6, 2]) {
            [Conv2D(filters: 3, kernelSize: (1, 1), activation: .tanh),
             DepthwiseConv2D(kernelSize: (3, 2), padding: .same, depthMultiplier: 2, dilationRate: (2, 1), activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "separable conv, strided", inputShape: [7, 7, 2]) {
            [Conv2D(filters: 3, kernelSize: (1, 1), activation: .tanh),
             SeparableConv2D(filters: 4, kernelSize: (3, 3), strides: (2, 2), depthMultiplier: 2, activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "depthwise and separable conv1d", inputShape: [9, 3]) {
            [Conv1D(filters: 2, kernelSize: 1, activation: .tanh), DepthwiseConv1D(kernelSize: 3, padding: .same, depthMultiplier: 3, activation: .tanh),
             SeparableConv1D(filters: 3, kernelSize: 2, dilationRate: 2, activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "bilinear and nearest up-sampling", inputShape: [3, 3, 2]) {
            [Conv2D(filters: 2, kernelSize: (1, 1), activation: .tanh), UpSampling2D(size: (2, 3), interpolation: .bilinear),
             Conv2D(filters: 2, kernelSize: (2, 2), activation: .tanh), UpSampling2D(size: (2, 1)), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "repeat vector, 1-D up-sampling", inputShape: [4]) {
            [Dense(units: 3, activation: .tanh), RepeatVector(3), UpSampling1D(size: 2), Conv1D(filters: 2, kernelSize: 3, activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "time-distributed conv, pooling, flatten and dense over frames", inputShape: [3, 4, 4, 1]) {
            [TimeDistributed(Conv2D(filters: 2, kernelSize: (2, 2), activation: .tanh)), TimeDistributed(Pooling2D(.max, poolSize: (2, 2))),
             TimeDistributed(Flatten()), TimeDistributed(Dense(units: 2, activation: .tanh)), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        // Rescaling makes the data's values in [-1, 1] indices 0 to 4 (truncated, as Keras casts them).
        Case(name: "embedding rows, summed where an index repeats", inputShape: [3]) {
            [Rescaling(scale: 2, offset: 2), Embedding(inputDimension: 5, outputDimension: 3), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "SimpleRNN, relu, the last state", inputShape: [4, 3]) {
            [SimpleRNN(units: 3, activation: .relu), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "SimpleRNN backwards, every state, no bias, behind a dense", inputShape: [4, 3]) {
            [Dense(units: 2, activation: .tanh), SimpleRNN(units: 3, useBias: false, returnSequences: true, goBackwards: true), Flatten(),
             Dense(units: 3, activation: .softmax)]
        },
        Case(name: "LSTM, every state, into a backwards LSTM", inputShape: [5, 2]) {
            [Dense(units: 3, activation: .tanh), LSTM(units: 3, returnSequences: true), LSTM(units: 2, goBackwards: true),
             Dense(units: 3, activation: .softmax)]
        },
        Case(name: "LSTM with relu candidates, no bias", inputShape: [4, 3]) {
            [Dense(units: 3, activation: .tanh), LSTM(units: 3, activation: .relu, useBias: false, unitForgetBias: false), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "GRU reset after, every state", inputShape: [4, 3]) {
            [Dense(units: 3, activation: .tanh), GRU(units: 3, returnSequences: true), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "GRU reset before, backwards", inputShape: [4, 3]) {
            [Dense(units: 3, activation: .tanh), GRU(units: 3, resetAfter: false, goBackwards: true), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "bidirectional LSTM states multiplied, then bidirectional GRUs concatenated", inputShape: [4, 3]) {
            [Bidirectional(LSTM(units: 3, returnSequences: true), backwardLayer: LSTM(units: 3, returnSequences: true, goBackwards: true),
                           mergeMode: .mul),
             Bidirectional(GRU(units: 2), backwardLayer: GRU(units: 3, resetAfter: false, goBackwards: true)), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "bidirectional SimpleRNN states summed and averaged", inputShape: [4, 3]) {
            [Bidirectional(SimpleRNN(units: 3, returnSequences: true), backwardLayer: SimpleRNN(units: 3, returnSequences: true, goBackwards: true),
                           mergeMode: .sum),
             Bidirectional(SimpleRNN(units: 2), backwardLayer: SimpleRNN(units: 2, activation: .relu, goBackwards: true), mergeMode: .ave),
             Dense(units: 3, activation: .softmax)]
        },
        Case(name: "pointwise conv (the input as its column matrix) behind a 2x2 one", inputShape: [5, 6, 2]) {
            [Conv2D(filters: 3, kernelSize: (2, 2), activation: .tanh), Conv2D(filters: 4, kernelSize: (1, 1), padding: .same, activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "pointwise conv1d behind a conv1d", inputShape: [7, 3]) {
            [Conv1D(filters: 3, kernelSize: 2, activation: .tanh), Conv1D(filters: 2, kernelSize: 1, activation: .tanh), Flatten(),
             Dense(units: 3, activation: .softmax)]
        },
        Case(name: "transposed conv, strided, same with output padding", inputShape: [3, 3, 2]) {
            [Conv2D(filters: 2, kernelSize: (1, 1), activation: .tanh),
             Conv2DTranspose(filters: 3, kernelSize: (3, 3), strides: (2, 2), padding: .same, outputPadding: (1, 0), activation: .tanh),
             Conv2DTranspose(filters: 2, kernelSize: (2, 3), strides: (1, 2), activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "transposed conv 3x3 at stride 1 over 32 channels (Winograd F(2x2) training)", inputShape: [6, 6, 32]) {
            [Conv2DTranspose(filters: 32, kernelSize: (3, 3), activation: .tanh), GlobalPooling2D(.average), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "pointwise transposed conv (the output gradient as its column matrix)", inputShape: [4, 5, 2]) {
            [Conv2D(filters: 3, kernelSize: (2, 2), activation: .tanh), Conv2DTranspose(filters: 2, kernelSize: (1, 1), activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "transposed conv1d, dilated and strided", inputShape: [5, 3]) {
            [Conv1D(filters: 2, kernelSize: 1, activation: .tanh), Conv1DTranspose(filters: 3, kernelSize: 3, dilationRate: 2, activation: .tanh),
             Conv1DTranspose(filters: 2, kernelSize: 2, strides: 3, padding: .same, activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "1-D pooling, padding and cropping", inputShape: [10, 2]) {
            [Conv1D(filters: 3, kernelSize: 2, activation: .tanh), ZeroPadding1D(start: 1, end: 2), Pooling1D(.average, poolSize: 3, strides: 2, padding: .same),
             Cropping1D(start: 1, end: 0), Conv1D(filters: 3, kernelSize: 2, activation: .tanh), Pooling1D(.max, poolSize: 2),
             GlobalPooling1D(.average, keepDimensions: true), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        // A second convolution's input gradient on each algorithm but the first layer's direct one (the cases
        // named after an algorithm take it: WinogradTests), with odd and even windows and both paddings.
        Case(name: "im2col, 3x3 valid behind a 1x1 convolution", inputShape: [6, 7, 2]) {
            [Conv2D(filters: 3, kernelSize: (1, 1), activation: .tanh), Conv2D(filters: 4, kernelSize: (3, 3), activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "im2col, 2x3 same (uneven padding)", inputShape: [5, 6, 2]) {
            [Conv2D(filters: 3, kernelSize: (2, 2), activation: .tanh), Conv2D(filters: 5, kernelSize: (2, 3), padding: .same, activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "im2col, 3x3 same at stride 2", inputShape: [7, 6, 2]) {
            [Conv2D(filters: 3, kernelSize: (2, 2), activation: .tanh),
             Conv2D(filters: 4, kernelSize: (3, 3), strides: (2, 2), padding: .same, activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "implicit GEMM, 2x3 same (uneven padding)", inputShape: [5, 20, 2]) {
            [Conv2D(filters: 3, kernelSize: (2, 2), activation: .tanh), Conv2D(filters: 5, kernelSize: (2, 3), padding: .same, activation: .tanh),
             GlobalPooling2D(.average), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "implicit GEMM, 5x5 valid", inputShape: [8, 40, 1]) {
            [Conv2D(filters: 4, kernelSize: (2, 2), activation: .tanh), Conv2D(filters: 3, kernelSize: (5, 5), activation: .tanh),
             GlobalPooling2D(.average), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "implicit GEMM, 3x3 same over 16 channels (too few for Winograd in training)", inputShape: [8, 16, 2]) {
            [Conv2D(filters: 16, kernelSize: (1, 1), activation: .tanh), Conv2D(filters: 16, kernelSize: (3, 3), padding: .same, activation: .tanh),
             GlobalPooling2D(.average), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "Winograd 3x3, valid padding, partial tiles, behind a 1x1 convolution", inputShape: [10, 19, 3]) {
            [Conv2D(filters: 32, kernelSize: (1, 1), activation: .tanh), Conv2D(filters: 32, kernelSize: (3, 3), activation: .tanh),
             GlobalPooling2D(.average), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "Winograd 3x3, same padding, 33 channels to 34 filters, behind a 1x1 convolution", inputShape: [13, 10, 2]) {
            [Conv2D(filters: 33, kernelSize: (1, 1), activation: .tanh), Conv2D(filters: 34, kernelSize: (3, 3), padding: .same, activation: .tanh),
             GlobalPooling2D(.average), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "activation layers, softmax last", inputShape: [5]) {
            [Dense(units: 4), ActivationLayer(.tanh), Dense(units: 3), ActivationLayer(.softmax)]
        },
        Case(name: "conv + relu activation layer", inputShape: [5, 5, 2]) {
            [Conv2D(filters: 2, kernelSize: (3, 3)), ActivationLayer(.relu), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "rescaling, reshape with -1, permute", inputShape: [8]) {
            [Rescaling(scale: 0.5, offset: 0.1), Dense(units: 6, activation: .tanh), Reshape([2, -1]), Permute([2, 1]), Flatten(),
             Dense(units: 3, activation: .softmax)]
        },
        Case(name: "plain relu layer (the activation's kernels)", inputShape: [5]) {
            [Dense(units: 8), ReLU(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "relu with cap, slope and threshold", inputShape: [5]) {
            [Dense(units: 8), ReLU(maxValue: 0.5, negativeSlope: 0.1, threshold: 0.05), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "leaky relu and elu", inputShape: [5]) {
            [Dense(units: 6), LeakyReLU(negativeSlope: 0.2), Dense(units: 5), ELU(alpha: 0.7), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "global average pooling, softmax layer last", inputShape: [5, 5, 2]) {
            [Conv2D(filters: 4, kernelSize: (3, 3), activation: .tanh), GlobalPooling2D(.average), Dense(units: 3), Softmax()]
        },
        Case(name: "cropping, global max pooling kept 1x1", inputShape: [6, 6, 1]) {
            [Conv2D(filters: 3, kernelSize: (2, 2), activation: .tanh), Cropping2D(top: 1, bottom: 0, left: 0, right: 1),
             GlobalPooling2D(.max, keepDimensions: true), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "softmax along a middle axis", inputShape: [6]) {
            [Dense(units: 6, activation: .tanh), Reshape([3, 2]), Softmax(axis: 1), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "softmax along the last axis, not the output", inputShape: [6]) {
            [Dense(units: 6, activation: .tanh), Reshape([2, 3]), Softmax(), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "prelu, an alpha per value", inputShape: [5]) { [Dense(units: 6), PReLU(), Dense(units: 3, activation: .softmax)] },
        Case(name: "prelu shared over the image", inputShape: [4, 4, 2]) {
            [Conv2D(filters: 2, kernelSize: (2, 2)), PReLU(sharedAxes: [1, 2]), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "layer normalization", inputShape: [5]) { [Dense(units: 6), LayerNormalization(), Dense(units: 3, activation: .softmax)] },
        Case(name: "layer normalization over an image, no shift", inputShape: [3, 3, 2]) {
            [Conv2D(filters: 2, kernelSize: (2, 2), activation: .tanh), LayerNormalization(axes: [1, 2, 3], center: false), Flatten(),
             Dense(units: 3, activation: .softmax)]
        },
        Case(name: "layer normalization without scale", inputShape: [5]) {
            [Dense(units: 4), LayerNormalization(epsilon: 0.1, scale: false), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "batch normalization after a convolution", inputShape: [4, 4, 2]) {
            [Conv2D(filters: 2, kernelSize: (2, 2), activation: .tanh), BatchNormalization(), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "batch normalization of features, no shift", inputShape: [5]) {
            [Dense(units: 6), BatchNormalization(epsilon: 0.01, center: false), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "batch normalization along a middle axis, no scale", inputShape: [3, 3, 2]) {
            [Conv2D(filters: 2, kernelSize: (2, 2), activation: .tanh), BatchNormalization(axis: 1, scale: false), Flatten(),
             Dense(units: 3, activation: .softmax)]
        },
        Case(name: "dense at every position of a sequence", inputShape: [3, 4]) {
            [Dense(units: 5, activation: .tanh), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "dense with softmax over an image's channels", inputShape: [2, 3, 4]) {
            [Dense(units: 3, activation: .softmax), Dense(units: 2, useBias: false), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "normalization with given figures per feature, inverted", inputShape: [5]) {
            [Dense(units: 4, activation: .tanh), Normalization(mean: [0.1, 0.2, 0.3, 0.4], variance: [1, 2, 0.5, 4], invert: true),
             Dense(units: 3, activation: .softmax)]
        },
        Case(name: "normalization by one figure", inputShape: [5]) {
            [Dense(units: 4), Normalization(axes: [], mean: [0.2], variance: [3]), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "activity regularization of a hidden layer", inputShape: [5]) {
            [Dense(units: 6, activation: .tanh), ActivityRegularization(l1: 0.05, l2: 0.1), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "activity regularization of the outputs, l2 only", inputShape: [5]) {
            [Dense(units: 4, activation: .tanh), Dense(units: 3, activation: .softmax), ActivityRegularization(l2: 0.3)]
        },
        Case(name: "zero padding", inputShape: [4, 4, 1]) {
            [Conv2D(filters: 2, kernelSize: (2, 2), activation: .tanh), ZeroPadding2D(1), Conv2D(filters: 1, kernelSize: (3, 3), padding: .same, activation: .tanh),
             Flatten(), Dense(units: 3, activation: .softmax)]
        },
    ]

    /// Each activation beyond the first five inside a Dense layer, and those whose derivative needs the
    /// pre-activation also inside Conv2D (the im2col and the single-channel paths) and an Activation layer.
    static let activationCases: [Case] = Activation.allCases.filter { ![.linear, .relu, .tanh, .sigmoid, .softmax].contains($0) }.map { activation in
        Case(name: "dense \(activation.rawValue)", inputShape: [5]) { [Dense(units: 6, activation: activation), Dense(units: 3, activation: .softmax)] }
    } + [Activation.gelu, .silu, .mish, .hardSiLU].flatMap { activation in [
        Case(name: "conv \(activation.rawValue), two channels", inputShape: [4, 4, 2]) {
            [Conv2D(filters: 2, kernelSize: (2, 2), activation: activation), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "conv \(activation.rawValue), one channel", inputShape: [4, 4, 1]) {
            [Conv2D(filters: 16, kernelSize: (2, 2), activation: activation), Flatten(), Dense(units: 3, activation: .softmax)]
        },
        Case(name: "activation layer \(activation.rawValue)", inputShape: [5]) {
            [Dense(units: 6), ActivationLayer(activation), Dense(units: 3, activation: .softmax)]
        },
    ] } + [Case(name: "activation layer log_softmax", inputShape: [5]) {
        [Dense(units: 6), ActivationLayer(.logSoftmax), Dense(units: 3, activation: .softmax)]
    }]

    /// `count` samples of values in [-1, 1]; `padded`, sample `s` has its last `s` steps (the first axis) and,
    /// for the first, its second step all zeros.
    static func data(shape: [Int], count: Int = 4, padded: Bool = false) -> ClassData {
        var generator = SeededGenerator(seed: 11)
        let size = shape.reduce(1, *), steps = shape.first ?? 1, stepSize = size / steps
        var samples = (0..<count * size).map { _ in generator.nextUnitFloat() * 2 - 1 }
        if padded {
            for sample in 0..<count {
                for step in 0..<steps where step >= steps - sample || (sample == 0 && step == 1) {
                    for value in 0..<stepSize { samples[sample * size + step * stepSize + value] = 0 }
                }
            }
        }
        return ClassData(shape: shape, inputs: samples, labels: (0..<count).map { $0 % 3 })
    }

    /// Runs a training pass over `data`, returning its mean loss.
    @discardableResult
    static func trainingPass(_ model: Model, _ data: ClassData) -> Double {
        data.withBatch(for: model) { model.trainingPass($0).meanLoss }
    }

    static func analyticGradients(_ model: Model, _ data: ClassData) -> [[Float]] {
        trainingPass(model, data)
        return model.parameters.map(\.gradientTensor.scalars)
    }

    /// The entries of a parameter of `count` values whose gradients are compared: every one in the suite; under the
    /// sanitizers (which check memory, not numbers, and run the passes many times slower) the first, middle and
    /// last, since every pass then still runs each kernel over all of its memory.
    private static func probedEntries(count: Int) -> [Int] {
        runningUnderAddressSanitizer ? Array(Set([0, count / 2, count - 1])).sorted() : Array(0..<count)
    }

    @Test(arguments: cases + activationCases + graphCases + lossCases)
    func backwardMatchesFiniteDifferences(_ testCase: Case) throws {
        let model = try testCase.makeModel()
        let data = Self.data(shape: testCase.inputShape, padded: testCase.padded)
        let analytic = Self.analyticGradients(model, data)
        var compared = 0, skipped = 0
        for (parameterIndex, parameter) in model.parameters.enumerated() {
            for index in Self.probedEntries(count: parameter.count) {
                func quotient(_ h: Float) -> Float {
                    let original = parameter.value[index]
                    parameter.value[index] = original + h
                    let plus = Self.trainingPass(model, data)
                    parameter.value[index] = original - h
                    let minus = Self.trainingPass(model, data)
                    parameter.value[index] = original
                    return Float((plus - minus) / Double(2 * h))
                }
                let numeric = quotient(1e-3)
                let tolerance = 2e-3 + 0.02 * abs(numeric)
                if abs(quotient(4e-3) - numeric) > tolerance {
                    skipped += 1
                    continue
                }
                compared += 1
                let computed = analytic[parameterIndex][index]
                #expect(abs(numeric - computed) <= tolerance,
                        "\(testCase.name): \(parameter.name) #\(parameterIndex)[\(index)]: backward \(computed), finite difference \(numeric)")
            }
        }
        // Three entries are too few to say what share of a parameter sits on kinks.
        #expect(runningUnderAddressSanitizer || skipped * 5 <= compared + skipped, "\(testCase.name): \(skipped) entries sit on kinks")
    }

    /// An Embedding keeps, beside its table's gradient, each lookup's squared gradient summed per value (what
    /// Keras's Adam and RMSprop square): for index 2 looked up twice, g1² + g2² where the gradient is g1 + g2.
    /// Through Flatten and a bias-free Dense of one unit with loss (y - 1)², position p's gradient is
    /// 2 (y - 1) times its two kernel values; over two workers, their parts are added.
    @Test(arguments: [1, 2])
    func embeddingKeepsEachLookupsSquaredGradient(workers: Int) throws {
        let embedding = Embedding(inputDimension: 3, outputDimension: 2), dense = Dense(units: 1, useBias: false)
        let model = try Sequential(inputShape: [3], layers: [embedding, Flatten(), dense], seed: 5, workerCount: workers)
        model.loss = Loss(.meanSquaredError)
        let data = ClassData(shape: [3], inputs: [0, 2, 2, 1, 2, 0], labels: [0, 0])
        Self.trainingPass(model, data)
        let outputs = try model.predict(data.inputs, batchSize: 2)
        var squares = [Double](repeating: 0, count: 6), sums = [Double](repeating: 0, count: 6)
        for sample in 0..<2 {
            let outer = 2 * (Double(outputs[sample]) - 1) / 2  // the mean over the batch's two samples
            for position in 0..<3 {
                let row = Int(data.inputs[sample * 3 + position])
                for j in 0..<2 {
                    let slice = outer * Double(dense.kernel.value[position * 2 + j])
                    squares[row * 2 + j] += slice * slice
                    sums[row * 2 + j] += slice
                }
            }
        }
        let kept = UnsafeBufferPointer(start: try #require(embedding.embeddings.lookupGradientSquares), count: 6)
        for i in 0..<6 {
            #expect(abs(Double(kept[i]) - squares[i]) <= 1e-6 * max(1, squares[i]), "value \(i): \(kept[i]) against \(squares[i])")
            #expect(abs(Double(embedding.embeddings.gradient[i]) - sums[i]) <= 1e-6, "gradient \(i)")
        }
        // Row 2 was looked up three times: its squares are not the square of its gradient.
        #expect(abs(squares[4] - sums[4] * sums[4]) > 1e-3)
    }

    @Test func splittingTheBatchOverWorkersGivesTheSameGradients() throws {
        let layers = { [Conv2D(filters: 2, kernelSize: (3, 3), activation: .relu), Pooling2D(.max), Flatten(), Dense(units: 3, activation: .softmax)] as [Layer] }
        let single = try Sequential(inputShape: [6, 6, 1], layers: layers(), seed: 5, workerCount: 1)
        let split = try Sequential(inputShape: [6, 6, 1], layers: layers(), seed: 5, workerCount: 3)
        let data = Self.data(shape: [6, 6, 1], count: 7)
        for (a, b) in zip(Self.analyticGradients(single, data), Self.analyticGradients(split, data)) {
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-6) }
        }
    }

    @Test func batchNormalizationJoinsTheWorkersParts() throws {
        let layers = {
            [Conv2D(filters: 3, kernelSize: (3, 3)), BatchNormalization(momentum: 0.8), ActivationLayer(.relu), Flatten(),
             Dense(units: 4), BatchNormalization(), Dense(units: 3, activation: .softmax)] as [Layer]
        }
        let single = try Sequential(inputShape: [6, 6, 1], layers: layers(), seed: 5, workerCount: 1)
        let split = try Sequential(inputShape: [6, 6, 1], layers: layers(), seed: 5, workerCount: 3)
        let data = Self.data(shape: [6, 6, 1], count: 7)
        for (a, b) in zip(Self.analyticGradients(single, data), Self.analyticGradients(split, data)) {
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-6) }
        }
        let moving = { (model: Model) in model.layers.flatMap(\.state).flatMap(\.tensor.scalars) }
        for (x, y) in zip(moving(single), moving(split)) { #expect(abs(x - y) <= 1e-6) }
        let untrained = try Sequential(inputShape: [6, 6, 1], layers: layers(), seed: 5)
        #expect(moving(single) != moving(untrained), "a training pass moves the statistics")
    }

    @Test func dropoutMasksTheGradientLikeTheOutput() throws {
        let dropout = Dropout(rate: 0.25)
        var initializer = ParameterInitializer(seed: 1)
        try dropout.build(inputShape: [1000], initializer: &initializer)
        let scratch = LayerScratch(seed: 9)
        let input = [Float](repeating: 2, count: 1000)
        var output = [Float](repeating: 0, count: 1000)
        var upstream = [Float](repeating: 3, count: 1000)
        var inputGradient = [Float](repeating: 0, count: 1000)
        input.withUnsafeBufferPointer { i in
            output.withUnsafeMutableBufferPointer { o in
                dropout.forward(i.baseAddress!, o.baseAddress!, batch: 1, mode: .training, scratch: scratch)
                upstream.withUnsafeMutableBufferPointer { u in
                    inputGradient.withUnsafeMutableBufferPointer { g in
                        dropout.backward(input: i.baseAddress!, output: o.baseAddress!, outputGradient: u.baseAddress!,
                                         inputGradient: g.baseAddress!, batch: 1, scratch: scratch, gradients: [])
                    }
                }
            }
        }
        let dropped = output.filter { $0 == 0 }.count
        #expect((200...300).contains(dropped), "dropped \(dropped) of 1000 at rate 0.25")
        #expect(output.allSatisfy { $0 == 0 || abs($0 - 2 / 0.75) < 1e-6 })
        for (o, g) in zip(output, inputGradient) { #expect(g == (o == 0 ? 0 : 3 / 0.75)) }
    }

    /// A recurrent layer's dropout masks, drawn once per training pass, hold for every step and for the
    /// backward pass: with the masks fixed (the same scratch seed for every pass), the input and weight
    /// gradients of Σ w · output match central differences, with input masks shared by the gates or one per
    /// gate (with `recurrent_dropout`, as Keras's LSTM and GRU draw them), and the recurrent masks changing
    /// what a training pass gives.
    @Test(arguments: ["SimpleRNN", "LSTM input only", "LSTM", "GRU", "GRU reset before", "GRU recurrent only"])
    func recurrentDropoutMasksHoldThroughTheBackwardPass(_ kind: String) throws {
        let layer: RecurrentLayer = switch kind {
        case "SimpleRNN": SimpleRNN(units: 3, returnSequences: true)
        case "LSTM input only", "LSTM": LSTM(units: 3, returnSequences: true)
        case "GRU reset before": GRU(units: 3, resetAfter: false, returnSequences: true)
        default: GRU(units: 3, returnSequences: true, goBackwards: true)
        }
        layer.dropout = kind.hasSuffix("recurrent only") ? 0 : 0.3
        layer.recurrentDropout = kind.hasSuffix("input only") ? 0 : 0.4
        var initializer = ParameterInitializer(seed: 2)
        try layer.build(inputShape: [4, 3], initializer: &initializer)
        let batch = 2
        var generator = SeededGenerator(seed: 4)
        var input = (0..<batch * 12).map { _ in generator.nextUnitFloat() * 2 - 1 }
        let weights = (0..<batch * layer.outputSize).map { _ in generator.nextUnitFloat() * 2 - 1 }
        func pass(_ mode: PassMode = .training) -> [Float] {
            var output = [Float](repeating: 0, count: batch * layer.outputSize)
            layer.forward(input, &output, batch: batch, mode: mode, scratch: LayerScratch(seed: 5))
            return output
        }
        func loss() -> Double { zip(pass(), weights).reduce(0) { $0 + Double($1.0) * Double($1.1) } }
        #expect(pass() != pass(.inference))
        let scratch = LayerScratch(seed: 5)
        var output = [Float](repeating: 0, count: batch * layer.outputSize), outputGradient = weights
        var inputGradient = [Float](repeating: 0, count: input.count)
        let gradients = layer.parameters.map { UnsafeMutablePointer<Float>.allocate(capacity: $0.count) }
        defer { gradients.forEach { $0.deallocate() } }
        layer.forward(input, &output, batch: batch, mode: .training, scratch: scratch)
        layer.backward(input: input, output: output, outputGradient: &outputGradient, inputGradient: &inputGradient, batch: batch,
                       scratch: scratch, gradients: gradients)
        func expectDerivative(_ computed: Float, _ nudge: (Float) -> Void, _ what: String) {
            let h: Float = 1e-3
            nudge(h)
            let up = loss()
            nudge(-2 * h)
            let down = loss()
            nudge(h)
            let numeric = (up - down) / Double(2 * h)
            #expect(abs(numeric - Double(computed)) <= 2e-3 + 0.02 * abs(numeric), "\(kind): \(what): backward \(computed), finite difference \(numeric)")
        }
        for index in input.indices { expectDerivative(inputGradient[index], { input[index] += $0 }, "input \(index)") }
        for (parameter, gradient) in zip(layer.parameters, gradients) {
            for index in 0..<parameter.count {
                expectDerivative(gradient[index], { parameter.value[index] += $0 }, "\(parameter.name)[\(index)]")
            }
        }
    }
}
