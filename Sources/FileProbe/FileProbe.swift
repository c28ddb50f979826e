import Foundation
import HDF5
import KerasFormat
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads untrusted model files in a child process first.
///
/// libhdf5 1.10.8 has memory-safety bugs on crafted files (fuzzing found a heap overflow in its symbol-table
/// code); no check in this project can rule them out before libhdf5 parses the file. So the tools run the whole
/// read (`exercise`) in a child process of their own first: if that child dies or hangs, the file is refused
/// with a one-line message, and the tool itself never touches it.
public enum FileProbe {
    /// The hidden subcommand the tools answer in the child: `TOOL __probe FILE`.
    public static let subcommand = "__probe"

    /// Seconds the child may take before the file is refused as making libhdf5 hang.
    public static let timeout: TimeInterval = 60

    /// Runs `executable __probe path` and throws when the child is killed by a signal or does not finish.
    /// Errors the child meets are not reported here: the tool meets them again, with its own message.
    /// `KERAS_SWIFT_NO_PROBE=1` skips the child (for speed, with trusted files).
    public static func check(_ path: String, executable: String = currentExecutable) throws {
        if ProcessInfo.processInfo.environment["KERAS_SWIFT_NO_PROBE"] == "1" { return }
        // Without a probe the tool still reads the file; it only loses the isolation.
        guard let child = spawnSilently(executable, [subcommand, path]) else { return }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        while true {
            let waited = waitpid(child, &status, WNOHANG)
            if waited == child { break }
            if waited < 0 && errno != EINTR { return }
            if Date() >= deadline {
                kill(child, SIGKILL)
                waitpid(child, &status, 0)
                throw KerasFormatError(file: path, .hungLibhdf5(seconds: Int(timeout)))
            }
            usleep(2000)
        }
        // The low seven bits of a wait status are the signal that ended the child (0: it exited).
        let signal = status & 0x7f
        if signal != 0 && signal != 0x7f {
            throw KerasFormatError(file: path, .crashedLibhdf5(signal: signal))
        }
    }

    /// Starts `executable` with its standard streams on /dev/null and without Swift's crash backtracer (a
    /// crash is the expected outcome here, and the backtracer's helper would outlive the child holding
    /// whatever descriptors it inherited); nil if it cannot be started.
    private static func spawnSilently(_ executable: String, _ arguments: [String]) -> pid_t? {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let environment = ProcessInfo.processInfo.environment.filter { $0.key != "SWIFT_BACKTRACE" }
            .map { "\($0.key)=\($0.value)" } + ["SWIFT_BACKTRACE=enable=no"]
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        return posix_spawn(&child, executable, &actions, nil, argv, envp) == 0 ? child : nil
    }

    /// This process's executable, which knows the probe subcommand.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// What the child does: every read the tools may do, errors ignored.
    public static func exercise(path: String) {
        guard let file = try? KerasFile.recognize(path) else {
            if let root = try? File.open(path).root { walk(root, depth: 0) }
            return
        }
        exercise(file)
    }

    /// The same for bytes in memory (the fuzzing target).
    public static func exercise(bytes: [UInt8]) {
        guard let file = try? KerasFile.open(bytes: bytes, name: "input") else { return }
        exercise(file)
    }

    /// Form recognition is done; now the HDF5 tree with every attribute and dataset, the Keras inventory,
    /// model loading and optimizer state.
    static func exercise(_ file: KerasFile) {
        if let root = try? file.hdf5.root { walk(root, depth: 0) }
        _ = try? file.inventory()
        if let loaded = try? ModelLoader.load(file) {
            _ = try? loaded.storedOptimizer()
        }
    }

    /// Reads every attribute and dataset (of up to 2^26 values) to a bounded depth.
    private static func walk(_ group: Group, depth: Int) {
        guard depth < 64, let links = try? group.links() else { return }
        _ = try? group.attributes()
        for link in links {
            switch link.kind {
            case .group:
                if let child = try? group.group(link.name) { walk(child, depth: depth + 1) }
            case .dataset:
                guard let dataset = try? group.dataset(link.name) else { continue }
                _ = try? dataset.attributes()
                _ = try? dataset.storage()
                _ = try? dataset.read(Double.self, limit: 1 << 29)
                _ = try? dataset.readStrings(limit: 1 << 29)
            default:
                break
            }
        }
    }
}
