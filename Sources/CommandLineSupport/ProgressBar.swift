import Foundation

/// A one-line progress bar on stderr for a terminal: `label [=====>    ] 640/1000  ETA 3s  extra`.
/// When stderr is not a terminal it draws nothing, so logs get only the summary lines callers print.
public final class ProgressBar {
    private let label: String
    private let total: Int
    private let width = 28
    private let started = Date()
    private var lastDraw = Date.distantPast
    private let enabled: Bool

    /// A bar counting up to `total`, drawn only when `enabled`.
    public init(label: String, total: Int, enabled: Bool = ProgressBar.isTerminal) {
        self.label = label
        self.total = max(1, total)
        self.enabled = enabled
    }

    /// True when stderr is an interactive terminal.
    public static var isTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Seconds since the bar was created.
    public var elapsed: Double { Date().timeIntervalSince(started) }

    /// Redraws at most ten times a second, and always at the end; `extra` is only built when drawing.
    public func update(_ done: Int, _ extra: @autoclosure () -> String = "") {
        guard enabled else { return }
        let now = Date()
        guard done >= total || now.timeIntervalSince(lastDraw) >= 0.1 else { return }
        lastDraw = now
        let fraction = min(1, Double(done) / Double(total))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "=", count: filled) + (filled < width ? ">" + String(repeating: " ", count: width - filled - 1) : "")
        let seconds = now.timeIntervalSince(started)
        let eta = done > 0 && done < total ? "  ETA \(Self.duration(seconds / Double(done) * Double(total - done)))" : ""
        let text = extra()
        let line = "\(label) [\(bar)] \(done)/\(total)\(eta)\(text.isEmpty ? "" : "  " + text)"
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
    }

    /// Clears the bar's line so the caller's summary replaces it.
    public func finish() {
        guard enabled else { return }
        FileHandle.standardError.write(Data("\r\u{1B}[K".utf8))
    }

    /// `75` → `1m15s`, `4` → `4s`.
    public static func duration(_ seconds: Double) -> String {
        let total = Int(seconds.rounded())
        if total >= 3600 { return "\(total / 3600)h\(String(format: "%02d", total % 3600 / 60))m" }
        if total >= 60 { return "\(total / 60)m\(String(format: "%02d", total % 60))s" }
        return "\(total)s"
    }
}

/// Pushes buffered stdout lines out now (per-epoch lines must reach logs as they happen).
public func flushStandardOutput() {
    fflush(nil)
}
