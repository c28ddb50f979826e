import NeuralNet

/// How one Keras layer class (or a family of classes sharing one Swift layer) is read from and written to
/// Keras configs: each of its config keys declared once (``ConfigKey``), and how the layer is built from
/// their values. Each codec lives in a file of its own and is listed once in ``LayerCodecs``.
protocol LayerCodec: Sendable {
    associatedtype CodedLayer: Layer
    /// The Keras class names this codec reads and writes.
    static var classNames: [String] { get }
    /// The class's config keys after `name`, `trainable` and `dtype`, in the order they are written: keys
    /// both Keras 2.15 and Keras 3 accept where there are such keys, else the flavour's.
    static var keys: [ConfigKey<CodedLayer>] { get }
    /// The layer the keys' values describe; refuses a combination of values it cannot honour, naming it.
    static func layer(className: String, settings: LayerSettings<CodedLayer>) throws -> CodedLayer
    /// Whether the Keras class takes a `trainable` key (Keras 3's SpatialDropout2D does not).
    static var takesTrainable: Bool { get }
    /// The name `flavour`'s Keras gives a weight of the layer in a legacy `.h5`'s `weight_names` (Keras 2
    /// calls DepthwiseConv2D's kernel `depthwise_kernel`, Keras 3 `kernel`).
    static func weightName(_ parameter: Parameter, flavour: KerasFlavour) -> String
}

extension LayerCodec {
    static var takesTrainable: Bool { true }
    /// The parameter's own name, which both flavours use for most classes.
    static func weightName(_ parameter: Parameter, flavour: KerasFlavour) -> String { parameter.name }
}

/// The layer classes this project reads and writes: one line per codec.
public enum LayerCodecs {
    static let registered: [any LayerCodec.Type] = [
        DenseCodec.self,
        Conv2DCodec.self,
        Conv1DCodec.self,
        DepthwiseConv2DCodec.self,
        DepthwiseConv1DCodec.self,
        SeparableConv2DCodec.self,
        SeparableConv1DCodec.self,
        Conv2DTransposeCodec.self,
        Conv1DTransposeCodec.self,
        UpSampling2DCodec.self,
        UpSampling1DCodec.self,
        RepeatVectorCodec.self,
        Pooling1DCodec.self,
        GlobalPooling1DCodec.self,
        ZeroPadding1DCodec.self,
        Cropping1DCodec.self,
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

    /// The layer a config entry describes and the keys whose values it is built without (for notices), or
    /// nil for a class no codec reads.
    static func layer(className: String, config: LayerConfigReader) throws -> (layer: Layer, ignoredKeys: [String])? {
        guard let codec = byClassName[className] else { return nil }
        return try decode(codec, className, config)
    }

    /// The config entries of `layer` after its name, from the codec of its class.
    static func config(of layer: Layer, flavour: KerasFlavour) -> [(String, JSONValue)] {
        guard let codec = byClassName[layer.className] else { return [] }
        return entries(codec, layer, flavour)
    }

    /// The name `flavour`'s Keras gives `parameter`, a weight of `layer`.
    static func weightName(_ parameter: Parameter, of layer: Layer, flavour: KerasFlavour) -> String {
        byClassName[layer.className]?.weightName(parameter, flavour: flavour) ?? parameter.name
    }

    /// Whether `layer`'s Keras class takes a `trainable` key in its config.
    static func takesTrainable(_ layer: Layer) -> Bool { byClassName[layer.className]?.takesTrainable ?? true }

    private static func decode<Codec: LayerCodec>(_ codec: Codec.Type, _ className: String,
                                                  _ config: LayerConfigReader) throws -> (layer: Layer, ignoredKeys: [String]) {
        let settings = try LayerSettings(codec.keys, reader: config)
        return (try codec.layer(className: className, settings: settings), settings.ignoredKeys)
    }

    private static func entries<Codec: LayerCodec>(_ codec: Codec.Type, _ layer: Layer, _ flavour: KerasFlavour) -> [(String, JSONValue)] {
        guard let layer = layer as? Codec.CodedLayer else { return [] }
        return codec.keys.compactMap { $0.encode(layer, flavour) }
    }
}
