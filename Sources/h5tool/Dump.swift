import ArgumentParser
import FileProbe
import Foundation
import HDF5
import KerasFormat

/// `h5tool dump`: the whole file (or one object) with a Keras summary on top when the file is a Keras file.
struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show groups, datasets (shape, dtype, size) and attributes (with values) of an HDF5 or .keras file.",
        discussion: """
            A Keras file (legacy .h5 from Keras 2 or 3, .weights.h5, .keras) is recognised from its content and \
            summarised first: format, Keras version, backend, layers in order with their weights and parameter \
            counts, and the optimizer state counted separately. For a .keras archive the tree shown is that of \
            its model.weights.h5.
            """)

    @Argument(help: "The file to show.")
    var file: String

    @Argument(help: "An object path inside the file, e.g. /model_weights/conv2d. Default: the whole file.")
    var object: String?

    @Flag(help: "Print long string attributes (such as model_config) in full instead of shortened.")
    var full = false

    @Flag(name: [.customLong("values"), .customLong("stats")],
          help: "Also print each dataset's first values and min, max, mean and NaN count (read piece by piece, in little memory).")
    var values = false

    @Flag(help: "Print the same information as JSON.")
    var json = false

    @Flag(help: "Leave out the Keras summary.")
    var noSummary = false

    func run() throws {
        try FileProbe.check(file)
        let (hdf5, summary) = try open()
        let root = try hdf5.root
        let reader = ObjectTreeReader(includeValues: values)
        let node: ObjectNode
        if let object, object != "/" {
            switch root.kind(of: object) {
            case .group?: node = try reader.read(group: try root.group(object), name: String(object.split(separator: "/").last ?? ""))
            case .dataset?: node = try reader.read(dataset: try root.dataset(object), name: String(object.split(separator: "/").last ?? ""))
            default: throw HDF5Error(file: file, object: object, reason: "no such group or dataset")
            }
        } else {
            node = try reader.read(group: root, name: "/")
        }
        if json {
            var output = JSONObject([("file", .string(file))])
            output["keras"] = summary?.json() ?? .null
            output["tree"] = TreeJSON.json(node)
            print(JSONValue.object(output).prettyJSON)
            return
        }
        print("\(file):")
        if let summary, !noSummary {
            summary.text().forEach { print($0.isEmpty ? "" : "  " + $0) }
            print("")
            print("  HDF5 tree\(summary.file.archive != nil ? " of model.weights.h5" : ""):")
        }
        TreeText(full: full).lines(node).forEach { print("  " + $0) }
    }

    /// The HDF5 file to walk and, for Keras files, their summary. Non-Keras HDF5 files get no summary.
    private func open() throws -> (File, KerasSummary?) {
        guard let keras = try KerasFile.recognize(file) else { return (try File.open(file), nil) }
        return (keras.hdf5, try KerasSummary(file: keras))
    }
}
