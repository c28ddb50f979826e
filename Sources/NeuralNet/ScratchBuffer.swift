/// A grow-only buffer reused between batches, so steady-state passes allocate nothing.
final class GrowableBuffer<Element> {
    private(set) var pointer: UnsafeMutablePointer<Element>
    private(set) var capacity: Int

    init() {
        capacity = 0
        pointer = UnsafeMutablePointer<Element>.allocate(capacity: 1)
    }

    /// At least `count` elements; the contents are undefined after growing.
    func reserve(_ count: Int) -> UnsafeMutablePointer<Element> {
        if count > capacity {
            pointer.deallocate()
            pointer = UnsafeMutablePointer<Element>.allocate(capacity: count)
            capacity = count
        }
        return pointer
    }

    deinit { pointer.deallocate() }
}

typealias ScratchBuffer = GrowableBuffer<Float>
typealias IndexBuffer = GrowableBuffer<Int32>
