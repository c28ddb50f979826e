import NeuralNet

/// Keras's activations as ONNX operators (opset 13 and later), each the function Keras 3 computes: composed
/// from several operators where ONNX has no single one (gelu, silu, mish, relu6).
extension GraphBuilder {
    mutating func activate(_ x: LoweredValue, _ activation: Activation, layer: String) throws -> LoweredValue {
        let name = layer
        func op(_ type: String, _ inputs: [String], _ attributes: [(String, ONNXGraph.Attribute)] = []) -> String {
            graph.add(type, inputs, name: name, attributes: attributes)
        }
        let y: String
        switch activation {
        case .linear: return x
        case .relu: y = op("Relu", [x.name])
        case .tanh: y = op("Tanh", [x.name])
        case .sigmoid: y = op("Sigmoid", [x.name])
        case .softmax: y = op("Softmax", [x.name], [("axis", .int(onnxAxis(-1, of: x)))])
        case .logSoftmax: y = op("LogSoftmax", [x.name], [("axis", .int(onnxAxis(-1, of: x)))])
        case .relu6: y = op("Clip", [x.name, scalar(0, name), scalar(6, name)])
        case .leakyReLU: y = op("LeakyRelu", [x.name], [("alpha", .float(0.2))])
        case .elu: y = op("Elu", [x.name], [("alpha", .float(1))])
        case .selu: y = op("Selu", [x.name], [("alpha", .float(1.67326319217681884765625)), ("gamma", .float(1.05070102214813232421875))])
        case .softplus: y = op("Softplus", [x.name])
        case .softsign: y = op("Softsign", [x.name])
        case .exponential: y = op("Exp", [x.name])
        case .hardSigmoid: y = op("HardSigmoid", [x.name], [("alpha", .float(1.0 / 6)), ("beta", .float(0.5))])
        case .hardSigmoidKeras2: y = op("HardSigmoid", [x.name], [("alpha", .float(0.2)), ("beta", .float(0.5))])
        case .hardSiLU: y = op("HardSwish", [x.name])
        case .silu: y = op("Mul", [x.name, op("Sigmoid", [x.name])])
        case .mish: y = op("Mul", [x.name, op("Tanh", [op("Softplus", [x.name])])])
        case .gelu:
            // x * (1 + erf(x / sqrt(2))) / 2, Keras's exact gelu.
            let erf = op("Erf", [op("Div", [x.name, scalar(Float(2).squareRoot(), name)])])
            y = op("Mul", [op("Mul", [x.name, op("Add", [erf, scalar(1, name)])]), scalar(0.5, name)])
        }
        return same(x, y)
    }
}
