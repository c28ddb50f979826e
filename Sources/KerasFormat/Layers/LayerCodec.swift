import NeuralNet

/// How one Keras layer class (or a family of classes sharing one Swift layer) is read from and written to
/// Keras configs and weight files. Each lives in a file of its own and is listed once in ``LayerCodecs``.
protocol LayerCodec: Sendable {
    associatedtype CodedLayer: Layer
    /// The Keras class names this codec reads and writes.
    static var classNames: [String] { get }
    /// The layer a config describes, in Keras 2's or Keras 3's spelling; refuses an option it cannot honour,
    /// naming it.
    static func layer(className: String, config: LayerConfigReader) throws -> CodedLayer
    /// The layer's config entries after `name`, `trainable` and `dtype`, with keys both Keras 2.15 and Keras 3
    /// accept where there are such keys, else the flavour's.
    static func config(of layer: CodedLayer, flavour: KerasFlavour) -> [(String, JSONValue)]
    /// Whether the Keras class takes a `trainable` key (Keras 3's SpatialDropout2D does not).
    static var takesTrainable: Bool { get }
}

extension LayerCodec {
    static var takesTrainable: Bool { true }
}

/// The layer classes this project reads and writes: one line per codec.
public enum LayerCodecs {
    static let registered: [any LayerCodec.Type] = [
        DenseCodec.self,
        Conv2DCodec.self,
        Pooling2DCodec.self,
        ZeroPadding2DCodec.self,
        FlattenCodec.self,
        DropoutCodec.self,
        ActivationCodec.self,
        RescalingCodec.self,
        ReshapeCodec.self,
        PermuteCodec.self,
        Cropping2DCodec.self,
        GlobalPooling2DCodec.self,
        ReLUCodec.self,
        LeakyReLUCodec.self,
        ELUCodec.self,
        SoftmaxCodec.self,
        MergeCodec.self,
        ConcatenateCodec.self,
        PReLUCodec.self,
        LayerNormalizationCodec.self,
        BatchNormalizationCodec.self,
        NormalizationCodec.self,
        SpatialDropout2DCodec.self,
        GaussianNoiseCodec.self,
        GaussianDropoutCodec.self,
        AlphaDropoutCodec.self,
        ActivityRegularizationCodec.self,
    ]

    /// Every Keras layer class name a config may use (besides `InputLayer`).
    public static let classNames = registered.flatMap { $0.classNames }
    /// The class of a model's input entries, which configs list among the layers.
    public static let inputLayerClassName = InputLayerEntry.className

    private static let byClassName = Dictionary(registered.flatMap { codec in codec.classNames.map { ($0, codec) } },
                                                uniquingKeysWith: { first, _ in first })

    /// The layer a config entry describes, or nil for a class no codec reads.
    static func layer(className: String, config: LayerConfigReader) throws -> Layer? {
        guard let codec = byClassName[className] else { return nil }
        return try codec.layer(className: className, config: config)
    }

    /// The config entries of `layer` after its name, from the codec of its class.
    static func config(of layer: Layer, flavour: KerasFlavour) -> [(String, JSONValue)] {
        guard let codec = byClassName[layer.className] else { return [] }
        return entries(codec, layer, flavour)
    }

    /// Whether `layer`'s Keras class takes a `trainable` key in its config.
    static func takesTrainable(_ layer: Layer) -> Bool { byClassName[layer.className]?.takesTrainable ?? true }

    private static func entries<Codec: LayerCodec>(_ codec: Codec.Type, _ layer: Layer, _ flavour: KerasFlavour) -> [(String, JSONValue)] {
        (layer as? Codec.CodedLayer).map { codec.config(of: $0, flavour: flavour) } ?? []
    }
}
