import CKernels

/// Keras `Dense`: `output = activation(input · kernel + bias)`, kernel stored `(in, units)` as Keras stores it.
/// On an input of several axes it works on the last one, at every position of the others, as Keras's does.
public final class Dense: UnaryLayer, ActivatedLayer, DeferredGradientLayer {
    public var name: String
    public let className = "Dense"
    /// Keras passes a mask on through it.
    public var maskHandling: MaskHandling { .passes }
    /// Keras's `units`: outputs per sample.
    public let units: Int
    /// Applied to `input · kernel + bias`.
    public let activation: Activation
    /// Set by the model when it applies a final softmax itself to keep the logits.
    public var activationDeferred = false
    /// Keras's `use_bias`.
    public let useBias: Bool
    /// How the kernel and the bias are first drawn, when the model is not loaded (Keras's defaults).
    public var kernelInitializer = Initializer.glorotUniform, biasInitializer = Initializer.zeros
    public private(set) var inputShape: [Int] = []
    public var outputShape: [Int] { inputShape.dropLast() + [units] }
    public private(set) var parameters: [Parameter] = []
    /// The kernel packed for the GEMM while an inference call over many samples runs; nil otherwise.
    private var packedKernel: PackedMatrix?

    /// A layer with Keras's options; its kernel is created when the model is built.
    public init(units: Int, activation: Activation = .linear, useBias: Bool = true, name: String = "dense") {
        self.units = units
        self.activation = activation
        self.useBias = useBias
        self.name = name
    }

    /// The `(in, units)` kernel.
    public var kernel: Parameter { parameters[0] }
    /// The `(units)` bias, when the layer has one.
    public var bias: Parameter? { useBias ? parameters[1] : nil }
    public var forwardFlops: Double { 2 * Double(inputSize) * Double(units) }
    /// Values along the last input axis, which the kernel maps to `units`.
    private var features: Int { inputShape.last ?? 1 }
    /// Positions per sample the kernel is applied at: 1 for a flat input.
    private var positions: Int { inputShape.dropLast().reduce(1, *) }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        guard let features = inputShape.last else {
            throw ModelError.invalidInput(layer: name, reason: "Dense needs an input with at least one axis")
        }
        guard units > 0 else { throw ModelError.invalidInput(layer: name, reason: "units must be positive") }
        try initializer.reserveKernel([features, units], layer: name)
        self.inputShape = inputShape
        parameters = [initializer.kernel(shape: [features, units], kernelInitializer)]
        if useBias { parameters.append(initializer.bias(count: units, biasInitializer)) }
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let bias = self.bias.map { UnsafePointer($0.value) }
        let inputs = features, rows = batch * positions
        let lines = units / 16  // whole cache lines of output per thread
        let threads = min(scratch.threads, inputs * units / Self.kernelFloatsPerThread, lines)
        if threads > 1 {
            // A single image reads each weight once, so the product is bound by memory, and a second core adds
            // bandwidth: VGG's 4096 x 1024 kernel took 0.9 to 1.0 ms on two cores against 1.2 on one.
            Parallel.forEachChunk(threads) { parts in
                for part in parts {
                    let first = lines * part / threads * 16, end = part == threads - 1 ? units : lines * (part + 1) / threads * 16
                    gemm(m: rows, n: end - first, k: inputs, input, lda: inputs, kernel.value + first, ldb: units,
                         bias: bias.map { $0 + first }, output + first, ldc: units)
                }
            }
        } else if let packedKernel {
            gemm(m: rows, n: units, k: inputs, input, lda: inputs, kernel.value, packed: packedKernel, bias: bias,
                 output, ldc: units)
        } else {
            gemm(m: rows, n: units, k: inputs, input, lda: inputs, kernel.value, ldb: units, bias: bias,
                 output, ldc: units)
        }
        preactivationStore(mode, scratch, count: rows * units)?.update(from: output, count: rows * units)
        appliedActivation.apply(output, rows: rows, width: units)
    }

    /// Kernel floats (1 MB) per thread a single image's product is shared out by. With the worker pool's
    /// threads awake between parallel sections, sharing paid from MLP-3's 784 x 1024 kernel (its single image
    /// 0.068 -> 0.044 ms on two cores of an AMD Zen 5) and VGG's 1024 x 512; with Dispatch's sleeping
    /// threads it had not paid below 8 MB.
    private static let kernelFloatsPerThread = 262_144

    /// Samples an inference call needs before the kernel is packed once for the whole call: enough to give
    /// each worker a part on which the GEMM would pack it itself (four 6-row tiles), for every batch.
    public static let packingSamples = 64

    /// Packs the kernel once for the forward passes of a call over many samples, which the GEMM would
    /// otherwise pack again for every batch on every core.
    public func prepareInference(samples: Int) {
        if samples >= Self.packingSamples { packedKernel = PackedMatrix(kernel.value, rows: features, columns: units) }
    }

    /// Frees the packed kernel.
    public func finishInference() { packedKernel = nil }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let inputs = features, rows = batch * positions
        activationBackward(outputGradient, output: output, rows: rows, width: units, scratch: scratch)
        // Without gradient buffers the parameter gradients are computed later from `input` and the
        // `outputGradient` left here (see ``DeferredGradientLayer``).
        if !gradients.isEmpty {
            gemm(transposeA: true, m: inputs, n: units, k: rows, input, lda: inputs, outputGradient, ldb: units,
                 gradients[0], ldc: units)
            if useBias { columnSums(gradients[1], outputGradient, rows: rows, width: units) }
        }
        if let inputGradient {
            gemm(transposeB: true, m: rows, n: inputs, k: units, outputGradient, lda: units, kernel.value, ldb: units,
                 inputGradient, ldc: inputs)
        }
    }

    // MARK: Gradients computed in the optimizer step

    /// Floats of kernel gradient computed and applied at a time, at most.
    private static let blockSize = 65536

    /// Blocks of whole kernel rows (at most 256 KiB, and small enough that every thread gets a few), then the
    /// bias.
    public func deferredBlocks(threads: Int) -> [DeferredBlock] {
        let inputs = features
        let rowsPerBlock = max(1, min(Self.blockSize / units, inputs / (4 * threads)))
        var blocks = stride(from: 0, to: inputs, by: rowsPerBlock).map { start in
            DeferredBlock(parameter: 0, elements: start * units..<min(start + rowsPerBlock, inputs) * units)
        }
        if useBias { blocks.append(DeferredBlock(parameter: 1, elements: 0..<units)) }
        return blocks
    }

    /// The gradient's multiply-adds, plus an update's worth (memory-bound, about as long as 16 multiply-adds)
    /// per element.
    public func cost(of block: DeferredBlock, batch: Int) -> Int { block.elements.count * (batch * positions + 16) }

    /// A kernel block's gradient, or the bias gradient and one part's.
    public func scratchSize(of block: DeferredBlock) -> Int { block.parameter == 0 ? block.elements.count : 2 * units }

    /// The kernel gradient for a block of the kernel's rows from the workers' inputs and output gradients.
    public func computeGradient(of block: DeferredBlock, parts: DeferredParts, into gradient: UnsafeMutablePointer<Float>)
        -> UnsafePointer<Float>? {
        if block.parameter == 0 {
            let firstRow = block.elements.lowerBound / units, rows = block.elements.count / units
            for position in 0..<parts.count {
                gemm(transposeA: true, m: rows, n: units, k: parts.batch(position) * positions, parts.input(position) + firstRow,
                     lda: features, parts.outputGradient(position), ldb: units, accumulate: position > 0, gradient, ldc: units)
            }
            return nil
        }
        // The bias: parts 0, 2, 3... summed here; the last part is left to the optimizer.
        let part = gradient + units
        for position in 0..<parts.count {
            let target = position == 0 ? gradient : part
            columnSums(target, parts.outputGradient(position), rows: parts.batch(position) * positions, width: units)
            if position > 0 && position < parts.count - 1 { ck_add(gradient, part, units) }
        }
        return parts.count > 1 ? UnsafePointer(part) : nil
    }
}
