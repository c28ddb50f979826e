import CHDF5
import Foundation

/// An HDF5 failure, named by file and object path, with libhdf5's own reason.
///
/// libhdf5 reports problems on a per-thread error stack; ``HDF5Error/fromErrorStack(file:object:action:)``
/// turns that stack into one readable line and clears it.
public struct HDF5Error: Error, LocalizedError, CustomStringConvertible, Sendable {
    /// The file the failing operation concerned.
    public let file: String
    /// The object path inside the file, when there is one.
    public let object: String?
    /// What went wrong, in words.
    public let reason: String

    /// An error about `object` in `file`.
    public init(file: String, object: String? = nil, reason: String) {
        self.file = file
        self.object = object
        self.reason = reason
    }

    public var description: String {
        if let object { return "\(file): \(object): \(reason)" }
        return "\(file): \(reason)"
    }

    /// The one-line description.
    public var errorDescription: String? { description }

    /// Builds an error from what libhdf5 left on this thread's error stack, then clears the stack.
    static func fromErrorStack(file: String, object: String?, action: String) -> HDF5Error {
        let details = ErrorStack.drain()
        let reason = details.isEmpty ? action : "\(action) (\(details))"
        return HDF5Error(file: file, object: object, reason: reason)
    }
}

/// Reads and clears libhdf5's error stack for the calling thread.
enum ErrorStack {
    /// Switches off libhdf5's automatic printing of error stacks for the calling thread.
    ///
    /// The thread-safe library keeps this setting per thread, so it is repeated before calls.
    static func silence() {
        H5Eset_auto2(defaultErrorStack, nil, nil)
    }

    /// Discards whatever is on the calling thread's error stack.
    static func clear() {
        H5Eclear2(defaultErrorStack)
    }

    /// The innermost messages of the current error stack, joined, most specific last.
    static func drain() -> String {
        final class Collector { var lines: [String] = [] }
        let collector = Collector()
        let walker: H5E_walk2_t = { _, error, clientData in
            guard let error, let clientData else { return 0 }
            let collector = Unmanaged<Collector>.fromOpaque(clientData).takeUnretainedValue()
            var text = error.pointee.desc.map { String(cString: $0) } ?? ""
            if text.isEmpty {
                var buffer = [CChar](repeating: 0, count: 256)
                if H5Eget_msg(error.pointee.min_num, nil, &buffer, buffer.count) > 0 {
                    text = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
                }
            }
            if !text.isEmpty, collector.lines.last != text { collector.lines.append(text) }
            return 0
        }
        withExtendedLifetime(collector) {
            _ = H5Ewalk2(defaultErrorStack, H5E_WALK_UPWARD, walker, Unmanaged.passUnretained(collector).toOpaque())
        }
        H5Eclear2(defaultErrorStack)
        // Upward walk starts at the innermost failure; keep the two most specific lines.
        return collector.lines.prefix(2).reversed().joined(separator: ": ")
    }
}

/// Runs a libhdf5 call with error printing silenced; a negative result becomes an ``HDF5Error``.
@discardableResult
func checked<T: BinaryInteger>(
    _ result: @autoclosure () -> T, file: String, object: String?, action: @autoclosure () -> String
) throws -> T {
    ErrorStack.silence()
    let value = result()
    if value < 0 { throw HDF5Error.fromErrorStack(file: file, object: object, action: action()) }
    return value
}
