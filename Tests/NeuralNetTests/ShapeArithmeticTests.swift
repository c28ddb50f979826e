import NeuralNet
import Testing

/// Sizes a layer is given may be anything an `Int` holds (they come from configs): building refuses those
/// no sample can have, naming the layer, and nothing on the way overflows.
@Suite struct ShapeArithmeticTests {
    /// TensorFlow's output length and leading padding, as the formula written out for sizes that cannot
    /// overflow.
    /// A dilated window spans (window - 1) · dilation + 1 input cells; causal padding puts span - 1 zeros
    /// in front, then slides as valid does.
    static func reference(_ padding: Padding, input: Int, window: Int, stride: Int, dilation: Int = 1) -> (Int, Int) {
        let span = (window - 1) * dilation + 1
        switch padding {
        case .valid: return (input >= span ? (input - span) / stride + 1 : 0, 0)
        case .same:
            let output = (input + stride - 1) / stride
            return (output, max((output - 1) * stride + span - input, 0) / 2)
        case .causal:
            let padded = input + span - 1
            return (input > 0 ? (padded - span) / stride + 1 : 0, span - 1)
        }
    }

    @Test func theGeometryIsTensorFlowsAndNeverOverflows() {
        for padding in [Padding.valid, .same, .causal] {
            for input in 0...40 {
                for window in 1...9 {
                    for stride in 1...5 {
                        for dilation in 1...3 {
                            let (output, before) = padding.geometry(input: input, window: window, stride: stride, dilation: dilation)
                            let expected = Self.reference(padding, input: input, window: window, stride: stride, dilation: dilation)
                            #expect(output == expected.0 && before == expected.1, "\(padding) \(input) \(window) \(stride) \(dilation)")
                        }
                    }
                }
            }
            for (window, stride) in [(Int.max, 1), (1, Int.max), (Int.max, Int.max), (1 << 62, 3)] {
                let (output, before) = padding.geometry(input: 28, window: window, stride: stride)
                #expect(output >= 0 && before >= 0)
            }
        }
    }

    /// A layer given a size no sample can have, by name.
    static func hostileLayer(_ name: String) -> Layer {
        switch name {
        case "reshape": Reshape([1 << 40, 1 << 40, -1])
        case "cropping": Cropping2D(top: .max, bottom: .max, left: 0, right: 0)
        case "padding": ZeroPadding2D(top: .max, bottom: 1, left: 1, right: 1)
        case "pool": Pooling2D(.max, poolSize: (.max, 2))
        case "pool stride": Pooling2D(.average, poolSize: (2, 2), strides: (.max, 1), padding: .same)
        case "kernel": Conv2D(filters: 4, kernelSize: (1 << 62, 3), padding: .same)
        case "conv stride": Conv2D(filters: 4, kernelSize: (3, 3), strides: (.max, 1), padding: .same)
        case "dilation": Conv2D(filters: 4, kernelSize: (3, 3), padding: .same, dilationRate: (.max, 1))
        case "dilated kernel": Conv2D(filters: 4, kernelSize: (1 << 23, 3), padding: .same, dilationRate: (1 << 23, 1))
        case "groups": Conv2D(filters: 4, kernelSize: (3, 3), groups: .max)
        default: Dense(units: .max)
        }
    }

    /// Each of these trapped on an overflow before.
    @Test(arguments: ["reshape", "cropping", "padding", "pool", "pool stride", "kernel", "conv stride", "dilation", "dilated kernel",
                           "groups", "units"])
    func sizesNoSampleCanHaveAreRefused(name: String) {
        #expect(throws: ModelError.self, "\(name)") {
            try Sequential(inputShape: [28, 28, 1], layers: [Self.hostileLayer(name)], initializeWeights: false, workerCount: 1)
        }
    }

    /// Activations are bounded in all, not only per layer: a training pass keeps every one.
    @Test func activationsPastTheModelsLimitAreRefusedAtTheLayerThatCrossesIt() {
        let layers = (0..<16).map { ZeroPadding2D(top: 0, bottom: 0, left: 0, right: 0, name: "pad_\($0)") }
        #expect(throws: ModelError.invalidInput(layer: "pad_15", reason: "takes the model's activations past the limit of \(Model.maximumActivations) values per sample")) {
            try Sequential(inputShape: [2048, 2048, 1], layers: layers, initializeWeights: false, workerCount: 1)
        }
        #expect(throws: Never.self) {
            try Sequential(inputShape: [2048, 2048, 1], layers: Array(layers.prefix(15)), initializeWeights: false, workerCount: 1)
        }
    }
}
