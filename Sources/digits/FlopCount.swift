import NeuralNet

/// Floating-point operations of the layers, counting a multiply-add as two, for throughput reports.
enum FlopCount {
    /// Forward operations per sample of one layer: the matrix work of Dense and Conv2D; other layers do
    /// no multiply-adds worth counting.
    static func forward(_ layer: Layer) -> Double {
        switch layer {
        case let dense as Dense: return 2 * Double(dense.inputSize) * Double(dense.units)
        case let conv as Conv2D:
            let positions = Double(conv.outputShape[0] * conv.outputShape[1])
            return 2 * positions * Double(conv.kernelSize.height * conv.kernelSize.width * conv.inputShape[2]) * Double(conv.filters)
        default: return 0
        }
    }

    /// Backward operations per sample: the weight gradient, plus the input gradient except for the first layer.
    static func backward(_ layer: Layer, isFirst: Bool) -> Double {
        forward(layer) * (isFirst ? 1 : 2)
    }

    static func forward(_ model: Sequential) -> Double { model.layers.reduce(0) { $0 + forward($1) } }

    static func training(_ model: Sequential) -> Double {
        model.layers.enumerated().reduce(0) { $0 + forward($1.element) + backward($1.element, isFirst: $1.offset == 0) }
    }

    /// The kind a layer's time is reported under.
    static func kind(_ layer: Layer) -> String {
        switch layer {
        case is Dense: return "Dense"
        case is Conv2D: return "Conv2D"
        case is Pooling2D: return "Pooling"
        default: return "other"
        }
    }
}
