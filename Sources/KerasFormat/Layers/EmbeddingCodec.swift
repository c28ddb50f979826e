import NeuralNet

/// Keras `Embedding` (Keras 2's `input_length` read and not written).
enum EmbeddingCodec: LayerCodec {
    static let classNames = ["Embedding"]
    static let keys: [ConfigKey<Embedding>] = [
        ConfigKey("input_dim", \.inputDimension, .positive), ConfigKey("output_dim", \.outputDimension, .positive),
        ConfigKey("embeddings_initializer", \.embeddingsInitializer, .initializer, default: .randomUniform(minimum: -0.05, maximum: 0.05)),
    ] + ConfigKey.notApplied("embeddings_regularizer", "activity_regularizer", "embeddings_constraint") + [
        ConfigKey("mask_zero", \.maskZero, .bool, default: false),
        .fixed("input_length", .null, otherwise: .ignored, written: false),
        .fixed("lora_rank", .null, otherwise: .refusal, written: false),
    ]

    static func layer(className: String, settings: LayerSettings<Embedding>) throws -> Embedding {
        let embedding = Embedding(inputDimension: try settings[\.inputDimension], outputDimension: try settings[\.outputDimension],
                                  name: settings.name)
        embedding.embeddingsInitializer = try settings[\.embeddingsInitializer]
        embedding.maskZero = try settings[\.maskZero]
        return embedding
    }
}
