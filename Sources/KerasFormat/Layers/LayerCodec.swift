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
    /// Where the layer's weights sit in `flavour`'s files, in the order of `layer.weights`: a layer that
    /// wraps others keeps theirs at paths nested under its own.
    static func weightGroups(of layer: CodedLayer, flavour: KerasFlavour) -> [WeightGroup]
}

extension LayerCodec {
    static var takesTrainable: Bool { true }
    /// The parameter's own name, which both flavours use for most classes.
    static func weightName(_ parameter: Parameter, flavour: KerasFlavour) -> String { parameter.name }
    /// All the weights in the layer's own place, named by ``weightName(_:flavour:)``.
    static func weightGroups(of layer: CodedLayer, flavour: KerasFlavour) -> [WeightGroup] {
        [WeightGroup(path: "", parameters: layer.weights, legacyNames: layer.weights.map { weightName($0, flavour: flavour) })]
    }
}

/// Some of a layer's weights and where Keras files keep them, relative to the layer's own entry.
struct WeightGroup {
    /// The saveable path under the layer's `layers/<name>` group in `.weights.h5` and `.keras` files: empty
    /// for the layer's own `vars`, `layer` for the layer TimeDistributed wraps.
    let path: String
    /// The weights, in Keras's order.
    let parameters: [Parameter]
    /// Each weight's name after the layer's in a legacy `.h5`'s `weight_names` (`kernel`; `dense/kernel`
    /// for the Dense that a Keras 3 TimeDistributed wraps).
    let legacyNames: [String]
    /// Whether the weights belong to a layer another wraps (Bidirectional's, TimeDistributed's), whose Keras 3
    /// variable paths start with its own name, not the wrapper's.
    var inWrappedLayer = false

    /// Each weight's dataset under the layer's saveable group: `vars/0`, `layer/vars/1`.
    var storedNames: [String] { parameters.indices.map { (path.isEmpty ? "" : path + "/") + "vars/\($0)" } }

    /// The group as seen from a layer that wraps its layer under `path`, whose legacy names it prefixes
    /// with `legacyPrefix`.
    func nested(under path: String, legacyPrefix: String) -> WeightGroup {
        WeightGroup(path: self.path.isEmpty ? path : path + "/" + self.path, parameters: parameters,
                    legacyNames: legacyNames.map { legacyPrefix + $0 }, inWrappedLayer: true)
    }
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
        TimeDistributedCodec.self,
        EmbeddingCodec.self,
        MaskingCodec.self,
        SimpleRNNCodec.self,
        LSTMCodec.self,
        GRUCodec.self,
        BidirectionalCodec.self,
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

    /// Where `flavour`'s Keras keeps `layer`'s weights (see ``LayerCodec/weightGroups(of:flavour:)``).
    static func weightGroups(of layer: Layer, flavour: KerasFlavour) -> [WeightGroup] {
        guard let codec = byClassName[layer.className] else {
            return [WeightGroup(path: "", parameters: layer.weights, legacyNames: layer.weights.map(\.name))]
        }
        return groups(codec, layer, flavour)
    }

    /// Every activation option of `layer` and of the layers it wraps, for a writer to refuse one its flavour
    /// cannot name.
    static func activations(of layer: Layer) -> [Activation] {
        guard let codec = byClassName[layer.className] else { return [] }
        return keyPaths(codec).flatMap { path -> [Activation] in
            let value = property(layer, path)
            if let activation = value as? Activation { return [activation] }
            if let wrapped = value as? Layer { return activations(of: wrapped) }
            return []
        }
    }

    private static func keyPaths<Codec: LayerCodec>(_ codec: Codec.Type) -> [AnyKeyPath] { codec.keys.compactMap(\.keyPath) }

    private static func property<Coded: Layer>(_ layer: Coded, _ path: AnyKeyPath) -> Any? { layer[keyPath: path] }

    /// Whether `layer`'s Keras class takes a `trainable` key in its config.
    static func takesTrainable(_ layer: Layer) -> Bool { byClassName[layer.className]?.takesTrainable ?? true }

    private static func decode<Codec: LayerCodec>(_ codec: Codec.Type, _ className: String,
                                                  _ config: LayerConfigReader) throws -> (layer: Layer, ignoredKeys: [String]) {
        let settings = try LayerSettings(codec.keys, reader: config)
        return (try codec.layer(className: className, settings: settings), settings.ignoredKeys)
    }

    private static func groups<Codec: LayerCodec>(_ codec: Codec.Type, _ layer: Layer, _ flavour: KerasFlavour) -> [WeightGroup] {
        guard let layer = layer as? Codec.CodedLayer else { return [] }
        return codec.weightGroups(of: layer, flavour: flavour)
    }

    private static func entries<Codec: LayerCodec>(_ codec: Codec.Type, _ layer: Layer, _ flavour: KerasFlavour) -> [(String, JSONValue)] {
        guard let layer = layer as? Codec.CodedLayer else { return [] }
        return codec.keys.compactMap { $0.encode(layer, flavour) }
    }
}
