import CKernels
import Foundation

/// An instruction-set path of the project's C kernels. Every kernel has a portable build and, on x86-64, an
/// AVX2 and an AVX-512 one; each call takes the widest path the processor runs, unless
/// `KERAS_SWIFT_SIMD=portable|avx2|avx512` caps it for the whole process or ``withCap(_:_:)`` for one thread.
public enum KernelPath: Int, CaseIterable, Comparable, Sendable, CustomStringConvertible {
    case portable = 0
    case avx2 = 1
    case avx512 = 2

    /// The name for people: `portable`, `AVX2`, `AVX-512`.
    public var description: String { String(cString: ck_path_name(Int32(rawValue))) }

    /// The name `KERAS_SWIFT_SIMD` takes: `portable`, `avx2`, `avx512`.
    public var setting: String { String(cString: ck_path_setting(Int32(rawValue))) }

    /// Narrower paths come first: portable, AVX2, AVX-512.
    public static func < (a: KernelPath, b: KernelPath) -> Bool { a.rawValue < b.rawValue }

    /// The widest path this processor runs.
    public static var supported: KernelPath { KernelPath(rawValue: Int(ck_path_supported())) ?? .portable }

    /// Every path this processor runs, the portable one first.
    public static var available: [KernelPath] { allCases.filter { $0 <= supported } }

    /// The path kernels called from this thread take now.
    public static var current: KernelPath { KernelPath(rawValue: Int(ck_path_current())) ?? .portable }

    /// Refuses a `KERAS_SWIFT_SIMD` that names no path (an unset or empty one is no cap).
    public static func checkEnvironment() throws {
        guard ck_path_environment_cap() == -2 else { return }
        throw KernelPathError.unknownSetting(ProcessInfo.processInfo.environment["KERAS_SWIFT_SIMD"] ?? "")
    }

    /// Runs `body` with the kernels it calls on this thread capped at `path`; other threads keep their path.
    /// Work that `body` hands to other threads (a model's workers) is not capped.
    public static func withCap<Result>(_ path: KernelPath, _ body: () throws -> Result) rethrows -> Result {
        let previous = ck_path_cap_thread(Int32(path.rawValue))
        defer { _ = ck_path_cap_thread(previous) }
        return try body()
    }
}

/// A kernel path setting that names no path.
public enum KernelPathError: Error, Equatable, CustomStringConvertible {
    case unknownSetting(String)

    public var description: String {
        switch self {
        case .unknownSetting(let value):
            let names = KernelPath.allCases.map(\.setting).joined(separator: ", ")
            return "KERAS_SWIFT_SIMD=\(value) names no kernel path (\(names))"
        }
    }
}
