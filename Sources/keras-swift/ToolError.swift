/// What stops a command after its arguments were accepted: printed as one line on stderr, exit status 1
/// (a usage error, status 2 with the usage text, is ArgumentParser's `ValidationError`).
enum ToolError: Error, CustomStringConvertible {
    /// A model file that loads but cannot serve the command, or training that cannot go on, naming the file.
    case unusableModel(file: String, reason: String)
    /// Arrays (`--x`, `--y`) that do not suit the model, naming the files.
    case unusableData(file: String, reason: String)
    /// MNIST found nowhere it was looked for, where it was looked.
    case noData(String)
    /// `--index` past MNIST's last test image.
    case noSuchTestImage(index: Int, last: Int)
    /// A child `keras-swift bench` that failed or printed no figures.
    case benchmarkFailed(subject: String, status: Int32)

    var description: String {
        switch self {
        case .unusableModel(let file, let reason), .unusableData(let file, let reason): return "\(file): \(reason)"
        case .noData(let message): return message
        case .noSuchTestImage(let index, let last): return "--index \(index) is past the last test image (\(last))"
        case .benchmarkFailed(let subject, let status): return "benchmarking \(subject) failed (exit \(status))"
        }
    }
}
