import MNIST
import NeuralNet

/// The four models of the original notebooks, built in Swift with the layer names Keras gave them.
public enum Architecture: String, CaseIterable, Sendable, Codable {
    case mlp, convnet, lenet5, vgg

    /// The name the notebooks and the README use.
    public var displayName: String {
        switch self {
        case .mlp: return "MLP-3"
        case .convnet: return "ConvNet"
        case .lenet5: return "LeNet-5"
        case .vgg: return "VGG"
        }
    }

    /// The notebook's input preprocessing (SPEC.md): the MLP and VGG take raw 0..255 pixels.
    public var preprocessing: Preprocessing {
        switch self {
        case .mlp: return Preprocessing(divisor: 1, flatten: true)
        case .convnet: return Preprocessing(divisor: 255)
        case .lenet5: return Preprocessing(padding: 2, divisor: 255)
        case .vgg: return Preprocessing(divisor: 1)
        }
    }

    /// Per-sample input shape.
    public var inputShape: [Int] { preprocessing.sampleShape(rows: 28, columns: 28) }

    /// The test accuracy the original notebook reached.
    public var notebookAccuracy: Double {
        switch self {
        case .mlp: return 0.9769
        case .convnet: return 0.9822
        case .lenet5: return 0.9868
        case .vgg: return 0.9895
        }
    }

    /// The layers, named as Keras named them in the notebook's Sequential model.
    public func layers() -> [Layer] {
        switch self {
        case .mlp:
            return [
                Dense(units: 1024, activation: .relu, name: "dense"),
                Dropout(rate: 0.25, name: "dropout"),
                Dense(units: 512, activation: .relu, name: "dense_1"),
                Dropout(rate: 0.20, name: "dropout_1"),
                Dense(units: 256, activation: .relu, name: "dense_2"),
                Dropout(rate: 0.15, name: "dropout_2"),
                Dense(units: 84, activation: .relu, name: "dense_3"),
                Dense(units: 10, activation: .softmax, name: "dense_4"),
            ]
        case .convnet:
            return [
                Conv2D(filters: 64, kernelSize: (3, 3), activation: .relu, name: "conv2d"),
                Pooling2D(.average, name: "average_pooling2d"),
                Conv2D(filters: 32, kernelSize: (3, 3), activation: .relu, name: "conv2d_1"),
                Pooling2D(.average, name: "average_pooling2d_1"),
                Conv2D(filters: 16, kernelSize: (3, 3), activation: .relu, name: "conv2d_2"),
                Pooling2D(.max, name: "max_pooling2d"),
                Flatten(name: "flatten"),
                Dense(units: 64, activation: .relu, name: "dense"),
                Dense(units: 32, activation: .relu, name: "dense_1"),
                Dense(units: 16, activation: .relu, name: "dense_2"),
                Dense(units: 10, activation: .softmax, name: "dense_3"),
            ]
        case .lenet5:
            return [
                Conv2D(filters: 6, kernelSize: (5, 5), activation: .tanh, name: "conv2d"),
                Pooling2D(.average, name: "average_pooling2d"),
                Conv2D(filters: 16, kernelSize: (5, 5), activation: .tanh, name: "conv2d_1"),
                Pooling2D(.average, name: "average_pooling2d_1"),
                Flatten(name: "flatten"),
                Dense(units: 120, activation: .tanh, name: "dense"),
                Dense(units: 84, activation: .tanh, name: "dense_1"),
                Dense(units: 10, activation: .softmax, name: "dense_2"),
            ]
        case .vgg:
            return [
                Conv2D(filters: 64, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d"),
                ZeroPadding2D(2, name: "zero_padding2d"),
                Conv2D(filters: 64, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d_1"),
                Conv2D(filters: 64, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d_2"),
                Pooling2D(.max, name: "max_pooling2d"),
                Conv2D(filters: 128, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d_3"),
                Conv2D(filters: 128, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d_4"),
                Pooling2D(.max, name: "max_pooling2d_1"),
                Conv2D(filters: 256, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d_5"),
                Conv2D(filters: 256, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d_6"),
                Conv2D(filters: 256, kernelSize: (3, 3), padding: .same, activation: .relu, name: "conv2d_7"),
                Pooling2D(.max, name: "max_pooling2d_2"),
                Flatten(name: "flatten"),
                Dense(units: 1024, activation: .relu, name: "dense"),
                Dense(units: 512, activation: .relu, name: "dense_1"),
                Dense(units: 128, activation: .relu, name: "dense_2"),
                Dense(units: 10, activation: .softmax, name: "dense_3"),
            ]
        }
    }

    /// A freshly initialised model (Glorot-uniform kernels, zero biases), or one whose weights are left unset
    /// because they are about to be loaded; compiled as the notebooks compile it (sparse categorical
    /// cross-entropy, metrics `["accuracy"]`).
    public func makeModel(seed: UInt64 = 0, initializeWeights: Bool = true) throws -> Sequential {
        let model = try Sequential(name: "sequential", inputShape: inputShape, layers: layers(), seed: seed,
                                   initializeWeights: initializeWeights)
        try model.setMetrics([[.accuracy]])
        return model
    }

    /// What identifies an architecture: per layer, its class and its parameters' shapes.
    public typealias Signature = [LayerSignature]

    /// One layer's class and parameter shapes.
    public struct LayerSignature: Equatable, Sendable {
        /// The Keras class.
        public let className: String
        /// Its parameters' shapes in Keras's order.
        public let parameterShapes: [[Int]]

        /// A signature from its parts.
        public init(className: String, parameterShapes: [[Int]]) {
            self.className = className
            self.parameterShapes = parameterShapes
        }
    }

    /// The signature of a built model.
    public static func signature(of model: Model) -> Signature {
        model.layers.map { LayerSignature(className: $0.className, parameterShapes: $0.parameters.map(\.shape)) }
    }

    /// This architecture's signature (computed once per process).
    public var signature: Signature { Self.signatures[self] ?? [] }

    private static let signatures: [Architecture: Signature] = Dictionary(uniqueKeysWithValues: allCases.map { preset in
        (preset, (try? preset.makeModel(initializeWeights: false)).map(signature(of:)) ?? [])
    })

    /// The preset whose layers and shapes a model has, if any (to pick the notebook's preprocessing).
    public static func identify(_ model: Model) -> Architecture? {
        let signature = signature(of: model)
        return allCases.first { $0.signature == signature && $0.inputShape == model.inputShape }
    }
}
