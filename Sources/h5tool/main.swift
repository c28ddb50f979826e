import CommandLineSupport
import FileProbe
import Foundation

// The child side of FileProbe.check: read the file the parent is about to open as h5tool reads it (no model is
// built), errors ignored.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == FileProbe.subcommand {
    FileProbe.exercise(path: CommandLine.arguments[2], buildingModels: false)
    exit(0)
}
ToolMain.run(H5Tool.self)
