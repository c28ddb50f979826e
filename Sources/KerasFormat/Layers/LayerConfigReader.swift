import NeuralNet

/// One layer's config as a model config holds it, with errors that name the file, the layer and the key.
struct LayerConfigReader {
    let file: String
    let layer: String
    let config: JSONObject
    /// The file was written by Keras 2 (tf-keras), whose `hard_sigmoid` is another function.
    var writtenByKeras2 = false

    /// `key` holds a value of the wrong kind or out of range.
    func invalid(_ key: String, _ reason: String) -> KerasFormatError {
        KerasFormatError(file: file, object: "layer \(layer)", .invalidValue(key: key, reason: reason))
    }

    /// The config asks for something this project does not do.
    func unsupported(_ what: String) -> KerasFormatError {
        KerasFormatError(file: file, object: "layer \(layer)", .unsupportedOption(what))
    }
}
