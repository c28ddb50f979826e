/// A layer whose parameter gradients the optimizer step can compute itself, a cache-sized block at a time,
/// from what each worker's backward pass kept: the layer's input and the gradient of its output.
///
/// A Dense kernel's gradient is `inputᵀ · outputGradient` summed over the workers' parts of the batch. Rather
/// than each worker writing its whole part to memory and the optimizer reading all of them back (6 MB per
/// worker per step for MLP-3), the step computes a block of it and updates that block while it is in cache
/// (see ``DeferredParameterUpdate``). In such a training step the layer's backward pass gets no `gradients`:
/// it then leaves `outputGradient` holding d(loss)/d(output before the activation) for the step to read.
public protocol DeferredGradientLayer: UnaryLayer {
    /// Independent blocks of parameter gradient, small enough to stay in cache and several per thread.
    func deferredBlocks(threads: Int) -> [DeferredBlock]

    /// Rough work of one block for `batch` samples, in multiply-adds, to share blocks fairly between threads.
    func cost(of block: DeferredBlock, batch: Int) -> Int

    /// Floats of scratch memory ``computeGradient(of:parts:into:)`` needs for `block`.
    func scratchSize(of block: DeferredBlock) -> Int

    /// Writes the block's gradient, summed over `parts` in their order, into `gradient`; may instead leave the
    /// last part out and return it (it is then added inside the optimizer's update, as the gradient of a
    /// second worker is when gradients are stored), so that both ways round the same.
    func computeGradient(of block: DeferredBlock, parts: DeferredParts, into gradient: UnsafeMutablePointer<Float>)
        -> UnsafePointer<Float>?
}

/// Elements `elements` of parameter `parameter` of a ``DeferredGradientLayer``.
public struct DeferredBlock: Sendable, Equatable {
    /// The parameter's index among the layer's parameters.
    public let parameter: Int
    /// The elements of that parameter, in row-major order.
    public let elements: Range<Int>

    /// Elements `elements` of parameter `parameter`.
    public init(parameter: Int, elements: Range<Int>) {
        self.parameter = parameter
        self.elements = elements
    }
}

/// What the workers' backward passes kept for one layer: per part of the batch, the layer's input and its
/// output gradient (see ``DeferredGradientLayer``), in the order their sums are to be taken.
public struct DeferredParts {
    let workers: ArraySlice<Worker>
    let node: Int

    /// How many parts.
    public var count: Int { workers.count }

    /// The samples of part `position`.
    public func batch(_ position: Int) -> Int { worker(position).lastBatch }

    /// The layer's input for part `position`.
    public func input(_ position: Int) -> UnsafePointer<Float> { worker(position).input(ofNode: node, at: 0) }

    /// The kept output gradient for part `position`.
    public func outputGradient(_ position: Int) -> UnsafePointer<Float> { worker(position).keptOutputGradient(node) }

    /// Worker 0 first and worker 1 last, so that the sums round as the stored gradients' path does (worker 0
    /// plus workers 2..., then worker 1 summed in by the optimizer).
    private func worker(_ position: Int) -> Worker {
        workers[workers.startIndex + (position == 0 ? 0 : position == count - 1 ? 1 : position + 1)]
    }
}
