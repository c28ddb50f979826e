import CommandLineSupport
import FileProbe
import Foundation
import NeuralNet

// The child side of FileProbe.check: read the file the parent is about to open, errors ignored.
if CommandLine.arguments.count == 3, CommandLine.arguments[1] == FileProbe.subcommand {
    FileProbe.exercise(path: CommandLine.arguments[2])
    exit(0)
}
do {
    try KernelPath.checkEnvironment()
    try Parallel.checkEnvironment()
} catch {
    ToolMain.printError(name: "keras-swift", ToolMain.oneLine(error))
    exit(1)
}
ToolMain.run(KerasSwiftTool.self)
