import FileProbe

/// libFuzzer's entry point: every generated input goes through the same reads a tool's probe does.
/// Built as a shared library and linked into libFuzzer's driver by `scripts/fuzz.sh`.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    FileProbe.exercise(bytes: data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? [])
    return 0
}
