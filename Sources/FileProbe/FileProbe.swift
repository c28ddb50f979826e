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
/// with a one-line message, and the tool itself never touches it. The child also builds the model and reads
/// its training state, so that a failed check of this project's own (a trap) on a hostile file is met there
/// too, and reported as this project's, not libhdf5's; model configs (`.json`) are probed the same way.
public enum FileProbe {
    /// The hidden subcommand the tools answer in the child: `TOOL __probe FILE`.
    public static let subcommand = "__probe"

    /// Seconds the child may take before the file is refused as making the reader hang.
    public static let timeout: TimeInterval = 60

    /// What the child is doing, as it tells the parent before each part of the read.
    public enum Stage: String, Sendable {
        case hdf5 = "reading its HDF5 structure"
        case model = "building the model from it"
        case optimizer = "reading its optimizer state"
        case config = "building the model from its config"
    }

    /// Runs `executable __probe path` and throws when the child is killed by a signal or does not finish.
    /// Errors the child meets are not reported here: the tool meets them again, with its own message.
    /// `KERAS_SWIFT_NO_PROBE=1` skips the child (for speed, with trusted files).
    public static func check(_ path: String, executable: String = currentExecutable) throws {
        if ProcessInfo.processInfo.environment["KERAS_SWIFT_NO_PROBE"] == "1" { return }
        // Without a probe the tool still reads the file; it only loses the isolation.
        guard let (child, stages) = spawnSilently(executable, [subcommand, path]) else { return }
        defer { close(stages) }
        let deadline = Date().addingTimeInterval(timeout)
        var status: Int32 = 0
        var told: [UInt8] = []
        while true {
            drain(stages, into: &told)
            let waited = waitpid(child, &status, WNOHANG)
            if waited == child { break }
            if waited < 0 && errno != EINTR { return }
            if Date() >= deadline {
                kill(child, SIGKILL)
                waitpid(child, &status, 0)
                throw KerasFormatError(file: path, .probeHung(seconds: Int(timeout), stage: lastStage(told)?.rawValue))
            }
            usleep(2000)
        }
        drain(stages, into: &told)
        // The low seven bits of a wait status are the signal that ended the child (0: it exited).
        let signal = status & 0x7f
        if signal != 0 && signal != 0x7f {
            let stage = lastStage(told)
            throw KerasFormatError(file: path, .probeCrashed(signal: signal, stage: stage?.rawValue, inLibhdf5: stage == nil || stage == .hdf5))
        }
    }

    /// Reads what the child has written so far, without waiting.
    private static func drain(_ descriptor: Int32, into told: inout [UInt8]) {
        var buffer = [UInt8](repeating: 0, count: 256)
        while true {
            let count = read(descriptor, &buffer, buffer.count)
            guard count > 0 else { return }
            told += buffer.prefix(count)
        }
    }

    /// The last stage the child announced (one name per line).
    private static func lastStage(_ told: [UInt8]) -> Stage? {
        String(decoding: told, as: UTF8.self).split(separator: "\n").last.flatMap { Stage(rawValue: String($0)) }
    }

    /// Starts `executable` with stdin and stderr on /dev/null, stdout on a non-blocking pipe for its stages,
    /// and without Swift's crash backtracer (a crash is the expected outcome here, and the backtracer's
    /// helper would outlive the child holding whatever descriptors it inherited); nil if it cannot be started.
    private static func spawnSilently(_ executable: String, _ arguments: [String]) -> (pid_t, Int32)? {
        var ends: [Int32] = [0, 0]
        guard pipe(&ends) == 0 else { return nil }
        for end in ends { _ = fcntl(end, F_SETFD, FD_CLOEXEC) }
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_addopen(&actions, 2, "/dev/null", O_WRONLY, 0)
        let environment = ProcessInfo.processInfo.environment.filter { $0.key != "SWIFT_BACKTRACE" }
            .map { "\($0.key)=\($0.value)" } + ["SWIFT_BACKTRACE=enable=no"]
        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        let envp = environment.map { strdup($0) } + [nil]
        defer { (argv + envp).forEach { free($0) } }
        var child: pid_t = 0
        let started = posix_spawn(&child, executable, &actions, nil, argv, envp) == 0
        close(ends[1])
        guard started else {
            close(ends[0])
            return nil
        }
        return (child, ends[0])
    }

    /// This process's executable, which knows the probe subcommand.
    public static var currentExecutable: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
    }

    /// Tells the parent (on standard output) what the child does next.
    private static func announce(_ stage: Stage) {
        let line = stage.rawValue + "\n"
        _ = line.withCString { write(1, $0, strlen($0)) }
    }

    /// What the child does: every read the tool may do, errors ignored. A model config (`.json`) is built
    /// with its initial weights, as `train --model` builds it. A tool that never builds a model (h5tool)
    /// passes `buildingModels` false: its probe reads the file's structure, values and inventory only.
    public static func exercise(path: String, buildingModels: Bool = true) {
        if path.lowercased().hasSuffix(".json") {
            announce(.config)
            _ = try? ConfiguredModel.load(path, seed: 0)
            return
        }
        announce(.hdf5)
        guard let file = try? KerasFile.recognize(path) else {
            if let root = try? File.open(path).root { walk(root) }
            return
        }
        exercise(file, buildingModels: buildingModels)
    }

    /// The same for bytes in memory (the fuzzing target).
    public static func exercise(bytes: [UInt8]) {
        guard let file = try? KerasFile.open(bytes: bytes, name: "input") else { return }
        exercise(file)
    }

    /// Form recognition is done; now the HDF5 tree with every attribute and dataset, model loading (with the
    /// Keras inventory) and the optimizer state.
    static func exercise(_ file: KerasFile, buildingModels: Bool = true) {
        announce(.hdf5)
        if let root = try? file.hdf5.root { walk(root) }
        guard buildingModels else {
            _ = try? file.modelConfig()
            _ = try? file.inventory()
            return
        }
        announce(.model)
        // Loading reads the inventory; a file that does not load (a weights-only one) has it read alone.
        // The weights' and slots' values are not read again: the walk has read every dataset libhdf5 decodes
        // and the ends of the plain ones, whose values the loader copies from the file as they are.
        guard let loaded = try? ModelLoader.load(file, readingWeights: false) else {
            _ = try? file.inventory()
            return
        }
        announce(.optimizer)
        if let stored = try? loaded.storedOptimizer() {
            var notices: [Notice] = []
            _ = try? OptimizerState.restore(stored, for: loaded.model, notices: &notices, readingSlots: false)
        }
    }

    /// Datasets stored plainly (contiguous, unfiltered) above this size have only their first and last rows
    /// read: their values are bytes copied from one place in the file, and the two ends exercise the datatype
    /// conversion and libhdf5's bounds check as a whole read would, without doubling the time a large model
    /// takes to load.
    static let plainReadBytes = 1 << 20

    /// Reads the first and last rows of a numeric dataset.
    private static func readEnds(of dataset: Dataset) {
        guard let shape = try? dataset.shape(), let rows = shape.first, rows > 0,
              let rowSize = checkedElementCount(Array(shape.dropFirst())), rowSize <= 1 << 24 else { return }
        var row = [Double](repeating: 0, count: rowSize)
        for index in Set([0, rows - 1]) {
            row.withUnsafeMutableBufferPointer { _ = try? dataset.read(rows: index..<index + 1, into: $0) }
        }
    }

    /// Reads every attribute and dataset under `root` (see ``walk(_:depth:visited:)``).
    private static func walk(_ root: Group) {
        var visited = Set<UInt64>()
        walk(root, depth: 0, visited: &visited)
    }

    /// Reads every attribute and dataset (of up to 2^26 values; only the ends of large plain ones) to a bounded
    /// depth, each object once however many hard links lead to it (a maze of links would otherwise multiply
    /// the work without bound).
    private static func walk(_ group: Group, depth: Int, visited: inout Set<UInt64>) {
        guard depth < 64, let links = try? group.links() else { return }
        _ = try? group.attributes()
        for link in links {
            if let address = link.address, !visited.insert(address).inserted { continue }
            switch link.kind {
            case .group:
                if let child = try? group.group(link.name) { walk(child, depth: depth + 1, visited: &visited) }
            case .dataset:
                guard let dataset = try? group.dataset(link.name) else { continue }
                _ = try? dataset.attributes()
                if let storage = try? dataset.storage(), storage.layout == .contiguous, storage.filters.isEmpty,
                   storage.storedBytes > plainReadBytes {
                    readEnds(of: dataset)
                } else {
                    _ = try? dataset.read(Double.self, limit: 1 << 29)
                    _ = try? dataset.readStrings(limit: 1 << 29)
                }
            default:
                break
            }
        }
    }
}
