import Foundation

/// Writes each epoch's logs to a CSV file as training goes, as Keras's `CSVLogger`: a header `epoch` then the
/// figures' names in sorted order, then a row per epoch (its index from 0, as Keras writes it). With `append`
/// an existing file is continued without a second header.
public final class CSVLogger: Callback {
    /// The file written.
    public let path: String
    /// What separates the columns.
    public let separator: String
    /// Whether an existing file is continued rather than replaced.
    public let append: Bool

    private var handle: FileHandle?
    private var columns: [String]?

    /// A logger writing `path`, columns separated by `separator`.
    public init(_ path: String, separator: String = ",", append: Bool = false) {
        self.path = path
        self.separator = separator
        self.append = append
    }

    public func trainingBegan(_ run: TrainingRun) throws {
        let continuing = append && FileManager.default.fileExists(atPath: path)
        if !continuing {
            guard FileManager.default.createFile(atPath: path, contents: nil) else {
                throw CallbackError("\(path): cannot be written (CSVLogger)")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw CallbackError("\(path): cannot be written (CSVLogger)") }
        if continuing { handle.seekToEndOfFile() }
        self.handle = handle
        columns = continuing ? [] : nil
    }

    public func epochEnded(_ record: EpochRecord, _ run: TrainingRun) throws {
        let logs = record.logs
        var text = ""
        if columns == nil {
            columns = logs.names.sorted()
            text += (["epoch"] + columns!).joined(separator: separator) + "\n"
        } else if columns!.isEmpty {
            columns = logs.names.sorted()
        }
        text += ([String(record.epoch - 1)] + columns!.map { logs[$0].map { "\($0)" } ?? "" }).joined(separator: separator) + "\n"
        do {
            try handle?.write(contentsOf: Data(text.utf8))
        } catch {
            throw CallbackError("\(path): \(error.localizedDescription) (CSVLogger)")
        }
    }

    public func trainingEnded(_ run: TrainingRun) throws {
        try handle?.close()
        handle = nil
    }
}
