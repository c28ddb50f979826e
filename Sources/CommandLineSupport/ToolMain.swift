import ArgumentParser
import Foundation

/// Runs a command-line tool with this project's exit-code contract: 0 success, 1 a failure with one line on
/// stderr naming the file and object, 2 a usage error (with ArgumentParser's usage text).
public enum ToolMain {
    public static func run<Command: ParsableCommand>(_ type: Command.Type) -> Never {
        let arguments = Array(CommandLine.arguments.dropFirst())
        do {
            var command = try type.parseAsRoot(arguments)
            try command.run()
            exit(0)
        } catch let exitCode as ExitCode {
            exit(exitCode.rawValue)
        } catch {
            switch type.exitCode(for: error) {
            case .success:
                type.exit(withError: error)
            case .validationFailure:
                FileHandle.standardError.write(Data((type.fullMessage(for: error) + "\n").utf8))
                exit(2)
            default:
                printError(name: type.configuration.commandName, oneLine(error))
                exit(1)
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
