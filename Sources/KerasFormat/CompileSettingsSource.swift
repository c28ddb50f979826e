/// Where a model's compile settings (loss, loss weights, metrics) were read from, for messages that name what
/// is wrong with them.
struct CompileSettingsSource {
    /// The file.
    let file: String
    /// `training_config` (legacy `.h5`) or `compile_config` (`.keras`, `config.json`).
    let object: String

    /// The error for entry `key` of these settings.
    func invalid(_ key: String, _ reason: String) -> KerasFormatError {
        KerasFormatError(file: file, object: object, .invalidValue(key: key, reason: reason))
    }
}
