import FileProbe
import ArgumentParser
import HDF5
import KerasFormat

/// `h5tool ls`: one line per object, the way `h5ls -r` prints them.
struct List: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ls",
        abstract: "List every group and dataset, one per line, like h5ls -r.")

    @Argument(help: "The HDF5 file (or .keras archive: its model.weights.h5 is listed).")
    var file: String

    func run() throws {
        try FileProbe.check(file)
        let hdf5 = try KerasFile.recognize(file)?.hdf5 ?? File.open(file)
        let root = try ObjectTreeReader(includeValues: false).read(group: try hdf5.root, name: "/")
        print(line("/", "Group"))
        printChildren(of: root)
    }

    private func printChildren(of node: ObjectNode) {
        for child in node.children {
            switch child.kind {
            case .group, .repeatedGroup: print(line(child.path, "Group"))
            case .dataset(let details):
                print(line(child.path, "Dataset " + (details.shape.isEmpty ? "{SCALAR}" : "{" + details.shape.map(String.init).joined(separator: ", ") + "}")))
            case .link(.softLink(let target)): print(line(child.path, "Soft Link {\(target)}"))
            case .link(.externalLink(let file, let object)): print(line(child.path, "External Link {\(file)/\(object)}"))
            case .link: print(line(child.path, "Link"))
            }
            printChildren(of: child)
        }
    }

    private func line(_ path: String, _ kind: String) -> String {
        path.padded(to: 24) + " " + kind
    }
}

