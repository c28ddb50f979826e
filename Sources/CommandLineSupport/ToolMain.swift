import ArgumentParser
import Foundation

/// Runs a command-line tool with this project's exit-code contract: 0 success, 1 a failure with one line on
/// stderr naming the file and object, 2 a usage error (with ArgumentParser's usage text).
public enum ToolMain {
    /// Parses the arguments, runs the command, prints any error as one line and exits with the matching status.
    public static func run<Command: ParsableCommand>(_ type: Command.Type) -> Never {
        // Everything the command allocated is released before exiting, so leak checkers see no false leaks.
        exit(exitCode(running: type))
    }

    private static func exitCode<Command: ParsableCommand>(running type: Command.Type) -> Int32 {
        do {
            var command = try type.parseAsRoot(Array(CommandLine.arguments.dropFirst()))
            try command.run()
            return 0
        } catch let exitCode as ExitCode {
            return exitCode.rawValue
        } catch {
            switch type.exitCode(for: error) {
            case .success:
                print(type.fullMessage(for: error))
                return 0
            case .validationFailure:
                FileHandle.standardError.write(Data((type.fullMessage(for: error) + "\n").utf8))
                return 2
            default:
                printError(name: type.configuration.commandName, oneLine(error))
                return 1
            }
        }
    }

    /// Writes `tool: error: message` to stderr.
    public static func printError(name: String?, _ message: String) {
        FileHandle.standardError.write(Data("\(name ?? "error"): error: \(message)\n".utf8))
    }

    /// An error's message flattened to a single line.
    public static func oneLine(_ error: Error) -> String {
        let text = (error as? LocalizedError)?.errorDescription ?? String(describing: error)
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}

/// Writes to stderr without buffering surprises.
public func printToStandardError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
