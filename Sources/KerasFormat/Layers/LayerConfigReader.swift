import NeuralNet

/// One layer's config as a model config holds it, with errors that name the file, the layer and the key.
struct LayerConfigReader {
    let file: String
    let layer: String
    let config: JSONObject
    /// The file was written by Keras 2 (tf-keras), whose `hard_sigmoid` is another function.
    var writtenByKeras2 = false
    /// The name of the layer wrapping this one (TimeDistributed's), for errors; nil for a model's own layer.
    var wrapper: String? = nil

    /// The layer as errors name it: `layer dense`, or `layer time_distributed/dense` for a wrapped one.
    var object: String { "layer " + (wrapper.map { "\($0)/" } ?? "") + layer }

    /// The reader of a config nested in this one: the config of the layer that this one wraps.
    func wrapped(_ config: JSONObject, named name: String) -> LayerConfigReader {
        LayerConfigReader(file: file, layer: name, config: config, writtenByKeras2: writtenByKeras2,
                          wrapper: (wrapper.map { "\($0)/" } ?? "") + layer)
    }

    /// `key` holds a value of the wrong kind or out of range.
    func invalid(_ key: String, _ reason: String) -> KerasFormatError {
        KerasFormatError(file: file, object: object, .invalidValue(key: key, reason: reason))
    }

    /// The config asks for something this project does not do.
    func unsupported(_ what: String) -> KerasFormatError {
        KerasFormatError(file: file, object: object, .unsupportedOption(what))
    }
}
