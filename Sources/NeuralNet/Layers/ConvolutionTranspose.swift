import CKernels

/// Keras's transposed convolutions of spatial rank 1 and 2 (`Conv1DTranspose`, `Conv2DTranspose`;
/// channels_last): the adjoint of a convolution, spreading each input position over a window of the larger
/// output. Kernel `(k..., filters, in)`, any strides or dilation (not both, as Keras requires), `valid` or
/// `same` padding, and `output_padding` for the extra rows and columns the stride leaves undetermined.
///
/// ``ConvolutionGeometry`` describes the forward convolution this layer is the transpose of: its "image" is
/// this layer's output, and its output positions are this layer's input positions. Keras's kernel seen as a
/// `(k...·filters) × in` matrix is that convolution's kernel, so the forward pass is one GEMM per chunk of
/// input positions (columns = input · kernelᵀ) and a col2im onto the output, which starts out as the bias; the
/// backward pass is im2col over the output gradient and two GEMMs.
///
/// At stride 1 the layer is also an ordinary convolution over its input, with the kernel's taps reversed, its
/// channel axes swapped and `kernel - 1 - padding` padding; a 3×3 one over enough channels is computed so,
/// by Winograd's algorithm as ``Convolution`` computes its own.
public class ConvolutionTranspose: UnaryLayer, ConvolutionLayer, AlgorithmChoosingConvolution {
    public var name: String
    /// `Conv1DTranspose` or `Conv2DTranspose`.
    public let className: String
    /// Spatial axes: 1 or 2.
    public let rank: Int
    /// Keras's `filters`: output channels.
    public let filters: Int
    /// Keras's `kernel_size`, one size per spatial axis.
    public let kernelSize: [Int]
    /// Keras's `strides`: the output is about this many times the input along each axis.
    public let strides: [Int]
    /// Keras's `dilation_rate`.
    public let dilationRate: [Int]
    /// Keras's `padding`: `valid` or `same`.
    public let padding: Padding
    /// Keras's `output_padding`: extra output rows or columns at the end of each axis, each less than its
    /// stride; nil for Keras's default sizes.
    public let outputPadding: [Int]?
    /// Applied to the transposed convolution plus bias.
    public let activation: Activation
    /// Set by the model when it applies a final softmax itself to keep the logits.
    public var activationDeferred = false
    /// Keras's `use_bias`.
    public let useBias: Bool
    /// How the kernel and the bias are first drawn, when the model is not loaded (Keras's defaults).
    public var kernelInitializer = Initializer.glorotUniform, biasInitializer = Initializer.zeros
    public private(set) var inputShape: [Int] = []
    public private(set) var outputShape: [Int] = []
    public private(set) var parameters: [Parameter] = []
    /// The convolution from this layer's output back to its input.
    private var geometry = ConvolutionGeometry()
    /// Set at build time for a 3×3 kernel at stride 1 without dilation over enough channels: the equivalent
    /// convolution over this layer's input, computed by Winograd (its kernel is ``flipTaps(_:into:taps:rows:columns:)``
    /// of this layer's).
    private var winograd: WinogradConvolution?

    /// A layer of `rank` spatial axes with Keras's options (one size per axis); its kernel is created when the
    /// model is built.
    init(className: String, rank: Int, filters: Int, kernelSize: [Int], strides: [Int], padding: Padding, outputPadding: [Int]?,
         dilationRate: [Int], activation: Activation, useBias: Bool, name: String) {
        self.className = className
        self.rank = rank
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.padding = padding
        self.outputPadding = outputPadding
        self.dilationRate = dilationRate
        self.activation = activation
        self.useBias = useBias
        self.name = name
    }

    /// The `(k..., filters, in channels)` kernel.
    public var kernel: Parameter { parameters[0] }
    /// The `(filters)` bias, when the layer has one.
    public var bias: Parameter? { useBias ? parameters[1] : nil }

    /// Input channels.
    private var channels: Int { inputShape.last ?? 0 }

    public var forwardFlops: Double { 2 * Double(geometry.positions) * Double(geometry.patch) * Double(channels) }

    /// The output length along one axis, as Keras computes it: `input · stride` for `same` and
    /// `(input - 1) · stride + max(dilated kernel, stride)` for `valid`, or with `output_padding`
    /// `(input - 1) · stride + (dilated kernel, or its parity for same) + output_padding`.
    static func outputLength(input: Int, kernel: Int, stride: Int, dilation: Int, padding: Padding, outputPadding: Int?) -> Int {
        let span = (kernel - 1) * dilation + 1
        guard let outputPadding else { return padding == .same ? input * stride : (input - 1) * stride + max(span, stride) }
        return (input - 1) * stride + (padding == .same ? span % 2 : span) + outputPadding
    }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireSize(filters, "filters")
        try checkWindow(inputShape: inputShape)
        guard outputPadding.map({ $0.count == rank }) ?? true else {
            throw ModelError.invalidInput(layer: name, reason: "output padding needs \(rank) sizes")
        }
        guard strides.allSatisfy({ $0 == 1 }) || dilationRate.allSatisfy({ $0 == 1 }) else {
            throw ModelError.invalidInput(layer: name, reason: "strides above 1 cannot go with a dilation rate above 1 (Keras refuses both)")
        }
        for (axis, extra) in (outputPadding ?? []).enumerated() where extra < 0 || extra >= strides[axis] {
            throw ModelError.invalidInput(layer: name, reason: "output padding must be from 0 to stride - 1 (\(strides[axis] - 1)), found \(extra)")
        }
        let spatial = try (0..<rank).map { axis in
            try requireSize(inputShape[axis], "input size")
            let length = Self.outputLength(input: inputShape[axis], kernel: kernelSize[axis], stride: strides[axis], dilation: dilationRate[axis],
                                           padding: padding, outputPadding: outputPadding?[axis])
            try requireSize(length, "output size")
            return length
        }
        // The convolution over the output must give back the input's sizes; with same padding, an even kernel
        // and no output padding left over, it gives one fewer (TensorFlow refuses such a layer too).
        let geometry = try ConvolutionGeometry(of: self, inputShape: spatial + [filters])
        guard geometry.outputShape(rank: rank, channels: inputShape[rank]) == inputShape else {
            throw ModelError.invalidInput(layer: name, reason: "an output of \(describeShape(spatial + [filters], batch: true)) does not convolve back to input \(describeShape(inputShape, batch: true)); choose another output padding")
        }
        let kernelShape = kernelSize + [filters, inputShape[rank]]
        try initializer.reserveKernel(kernelShape, layer: name)
        self.inputShape = inputShape
        self.geometry = geometry
        outputShape = spatial + [filters]
        let plain = rank == 2 && strides == [1, 1] && dilationRate == [1, 1] && !Convolution.im2colOnly
        winograd = plain && WinogradConvolution.applies(kernel: (kernelSize[0], kernelSize[1]), strides: (1, 1), channels: inputShape[2], filters: filters)
            ? WinogradConvolution(height: inputShape[0], width: inputShape[1], channels: inputShape[2], outHeight: spatial[0], outWidth: spatial[1],
                                  filters: filters, padTop: 2 - geometry.padTop, padLeft: 2 - geometry.padLeft, tileSize: 4)
            : nil
        parameters = [initializer.kernel(shape: kernelShape, kernelInitializer)]
        if useBias { parameters.append(initializer.bias(count: filters, biasInitializer)) }
    }

    /// Input positions handled at a time: their columns (about 256 KiB) stay in L2 between the GEMM that
    /// writes them and the col2im or GEMM that reads them.
    private var chunkRows: Int { max(8, (64 * 1024) / max(1, geometry.patch)) }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let g = geometry, channels = channels, sampleOutput = g.imageSize, positions = g.positions
        let preactivations = preactivationStore(mode, scratch, count: batch * sampleOutput)
        let kernel = UnsafePointer(kernel.value), bias = bias.map { UnsafePointer($0.value) }
        if let winograd = winograd?.forPass(batch: batch, mode: mode) {
            let flipped = scratch.folded.reserve(self.kernel.count)
            Self.flipTaps(kernel, into: flipped, taps: 9, rows: filters, columns: channels)
            winograd.transformKernel(flipped, into: scratch.transformedKernel.reserve(winograd.transformedKernelCount))
            scratch.prepareThreadBuffers(scratch.threads)
            let filters = self.filters, activation = appliedActivation
            winograd.forward(input, output, batch: batch, transformedKernel: .rowMajor(scratch.transformedKernel), bias: bias,
                             threads: scratch.threads, buffers: scratch.buffer(forThread:)) { values in
                preactivations?.advanced(by: values.lowerBound).update(from: output + values.lowerBound, count: values.count)
                activation.apply(output + values.lowerBound, rows: values.count / filters, width: filters)
            }
            return
        }
        let chunk = min(chunkRows, batch * positions)
        // Threads take whole samples: col2im from one sample's positions only touches that sample's output.
        let threads = max(1, min(scratch.threads, batch))
        scratch.prepareThreadBuffers(threads)
        Parallel.forEachChunk(threads) { parts in
            for part in parts {
                let samples = batch * part / threads..<batch * (part + 1) / threads
                guard !samples.isEmpty else { continue }
                let out = output + samples.lowerBound * sampleOutput, outputCount = samples.count * sampleOutput
                if let bias {
                    for position in 0..<outputCount / filters {
                        (out + position * filters).update(from: bias, count: filters)
                    }
                } else {
                    out.update(repeating: 0, count: outputCount)
                }
                let columns = scratch.buffer(forThread: part).reserve(chunk * g.patch + 16)
                let rows = samples.lowerBound * positions..<samples.upperBound * positions
                for start in stride(from: rows.lowerBound, to: rows.upperBound, by: chunk) {
                    let count = min(chunk, rows.upperBound - start)
                    gemm(transposeB: true, m: count, n: g.patch, k: channels, input + start * channels, lda: channels, kernel, ldb: channels,
                         columns, ldc: g.patch)
                    g.col2im(columns, output, rows: start, count: count)
                }
                preactivations?.advanced(by: samples.lowerBound * sampleOutput).update(from: out, count: outputCount)
                appliedActivation.apply(out, rows: outputCount / filters, width: filters)
            }
        }
    }

    /// Winograd for a 3×3 stride-1 layer over enough channels, on the batches where ``Convolution`` takes it
    /// too; else a GEMM and col2im.
    public func algorithm(batch: Int, training: Bool) -> ConvolutionAlgorithm {
        guard let winograd = winograd?.forPass(batch: batch, mode: training ? .training : .inference) else { return .col2im }
        return winograd.tileSize == 4 ? .winograd4x4 : .winograd2x2
    }

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let g = geometry, channels = channels, rows = batch * g.positions
        activationBackward(outputGradient, output: output, rows: batch * g.imageSize / filters, width: filters, scratch: scratch)
        if useBias { columnSums(gradients[1], outputGradient, rows: batch * g.imageSize / filters, width: filters) }
        if let winograd = winograd?.forPass(batch: batch, mode: .training) {
            // The forward pass left the transformed reversed kernel; its gradient comes back reversed too.
            let reversedGradient = scratch.folded.reserve(kernel.count)
            inputGradient?.update(repeating: 0, count: batch * inputSize)
            winograd.backward(input: input, outputGradient: outputGradient, inputGradient: inputGradient, kernelGradient: reversedGradient,
                              batch: batch, transformedKernel: UnsafePointer(scratch.transformedKernel.pointer), tiles: scratch.first,
                              kernelGradientBuffer: scratch.second)
            Self.flipTaps(reversedGradient, into: gradients[0], taps: 9, rows: channels, columns: filters)
            return
        }
        let chunk = min(chunkRows, rows)
        let columns = scratch.first.reserve(chunk * g.patch + 16)
        for start in stride(from: 0, to: rows, by: chunk) {
            let count = min(chunk, rows - start)
            // The output gradient's windows, one row per input position: d(input) = columns · kernel and
            // d(kernel) = columnsᵀ · input.
            let windows = g.columnRows(outputGradient, rows: start, count: count, buffer: columns)
            gemm(transposeA: true, m: g.patch, n: channels, k: count, windows, lda: g.patch, input + start * channels, ldb: channels,
                 accumulate: start > 0, gradients[0], ldc: channels)
            guard let inputGradient else { continue }
            gemm(m: count, n: channels, k: g.patch, windows, lda: g.patch, kernel.value, ldb: channels, inputGradient + start * channels,
                 ldc: channels)
        }
    }

    /// Writes `kernel`'s taps in reverse order, each tap's `rows × columns` matrix transposed: Keras's
    /// `(k..., filters, in)` kernel (rows = filters) becomes the `(k..., in, filters)` kernel of the equivalent
    /// convolution over the input, and that kernel's gradient (rows = in) becomes this layer's.
    static func flipTaps(_ kernel: UnsafePointer<Float>, into flipped: UnsafeMutablePointer<Float>, taps: Int, rows: Int, columns: Int) {
        let tapSize = rows * columns
        for tap in 0..<taps { ck_transpose(kernel + tap * tapSize, flipped + (taps - 1 - tap) * tapSize, rows, columns) }
    }
}
