import Foundation

/// What a finished child process printed and returned.
public struct ProcessOutput: Sendable {
    public let status: Int32
    public let stdout: String
    public let stderr: String
}

/// Runs a program to completion and captures its output. After `timeout` seconds, if given, the program is
/// killed and the output says so (status 137, `timed out` on stderr).
public func runProcess(_ executable: String, _ arguments: [String], environment: [String: String]? = nil,
                       currentDirectory: String? = nil, timeout: TimeInterval? = nil) throws -> ProcessOutput {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment {
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
    }
    if let currentDirectory { process.currentDirectoryURL = URL(fileURLWithPath: currentDirectory) }
    let out = Pipe()
    let err = Pipe()
    process.standardOutput = out
    process.standardError = err
    try process.run()
    nonisolated(unsafe) var timedOut = false
    let watchdog = timeout.map { seconds in
        DispatchWorkItem {
            timedOut = true
            kill(process.processIdentifier, SIGKILL)
        }
    }
    if let watchdog, let timeout { DispatchQueue.global().asyncAfter(deadline: .now() + timeout, execute: watchdog) }
    defer { watchdog?.cancel() }
    // Read both pipes concurrently so a chatty child cannot block on a full pipe.
    nonisolated(unsafe) var errData = Data()
    let errReader = Thread { errData = err.fileHandleForReading.readDataToEndOfFile() }
    errReader.start()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    while !errReader.isFinished { usleep(1000) }
    watchdog?.cancel()
    return ProcessOutput(status: timedOut ? 137 : process.terminationStatus,
                         stdout: String(decoding: outData, as: UTF8.self),
                         stderr: String(decoding: errData, as: UTF8.self) + (timedOut ? "timed out after \(Int(timeout ?? 0)) s" : ""))
}

/// The project's built executables, found beside the running test bundle.
public enum BuiltTool {
    public static func path(_ name: String) -> String {
        let executable = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: executable).deletingLastPathComponent().appendingPathComponent(name).path
    }

    /// Runs a built tool with the given arguments.
    public static func run(_ name: String, _ arguments: [String], environment: [String: String]? = nil,
                           currentDirectory: String? = nil, timeout: TimeInterval? = nil) throws -> ProcessOutput {
        try runProcess(path(name), arguments, environment: environment, currentDirectory: currentDirectory, timeout: timeout)
    }
}

/// Compares text with a golden file under `fixtures/golden/`; `UPDATE_GOLDEN=1` rewrites the file instead.
public func matchesGolden(_ text: String, _ name: String) throws -> Bool {
    let path = SharedData.fixture("golden/" + name)
    if ProcessInfo.processInfo.environment["UPDATE_GOLDEN"] == "1" {
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return true
    }
    return try String(contentsOfFile: path, encoding: .utf8) == text
}

/// Whether this process runs under AddressSanitizer, whose shadow memory and quarantine of freed blocks count
/// in a process's resident memory: peak-memory bounds mean nothing in such a build.
public let runningUnderAddressSanitizer = dlsym(nil, "__asan_init") != nil

/// Runs a program to completion with its output discarded; returns its exit status and the peak resident
/// memory, in bytes, of it and the children it waited for (the kernel's count, from wait4).
public func peakMemory(_ executable: String, _ arguments: [String], environment: [String: String] = [:]) throws -> (status: Int32, bytes: Int) {
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    defer { posix_spawn_file_actions_destroy(&actions) }
    for descriptor: Int32 in [0, 1, 2] {
        posix_spawn_file_actions_addopen(&actions, descriptor, "/dev/null", descriptor == 0 ? O_RDONLY : O_WRONLY, 0)
    }
    let variables = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0.key)=\($0.value)" }
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    let envp = variables.map { strdup($0) } + [nil]
    defer { (argv + envp).forEach { free($0) } }
    var child: pid_t = 0
    let started = posix_spawn(&child, executable, &actions, nil, argv, envp)
    guard started == 0 else { throw POSIXError(POSIXErrorCode(rawValue: started) ?? .EINVAL) }
    var status: Int32 = 0
    var usage = rusage()
    while wait4(child, &status, 0, &usage) < 0 && errno == EINTR {}
    return ((status >> 8) & 0xff, usage.ru_maxrss * 1024)
}
