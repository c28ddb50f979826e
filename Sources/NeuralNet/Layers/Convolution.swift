import CKernels
import Foundation

/// Keras's convolutions of spatial rank 1 and 2 (`Conv1D`, `Conv2D`; channels_last): kernel
/// `(k..., in / groups, filters)`, any strides and dilation, `valid` or `same` padding (and `causal` in 1-D),
/// channels in groups.
///
/// Computed as im2col + GEMM over ``ConvolutionGeometry``: each output position's receptive field becomes one
/// row of `k...·in/groups` values, which is exactly the row-major layout of Keras's kernel seen as a matrix, so
/// the output comes out channels-last without any transposition; groups take their own columns of the kernel.
/// Plain windows (no dilation, one group) take faster paths where the shape allows: a 3×3 stride-1 kernel
/// over enough channels Winograd's algorithm (``WinogradConvolution``), a stride-1 convolution over a few
/// channels and wide inputs a GEMM over the padded input without im2col's copies
/// (``ImplicitGEMMConvolution``), and a single input channel at stride 1 a direct convolution. A pointwise
/// (1×1, stride 1) convolution needs no im2col at all: its input is its column matrix.
public class Convolution: UnaryLayer, ConvolutionLayer, NormalizationFoldingLayer, AlgorithmChoosingConvolution {
    public var name: String
    /// `Conv1D` or `Conv2D`.
    public let className: String
    /// Spatial axes: 1 or 2.
    public let rank: Int
    /// Keras's `filters`: output channels.
    public let filters: Int
    /// Keras's `kernel_size`, one size per spatial axis.
    public let kernelSize: [Int]
    /// Keras's `strides`.
    public let strides: [Int]
    /// Keras's `dilation_rate`: the distance between the kernel's taps.
    public let dilationRate: [Int]
    /// Keras's `groups`: input and output channels split into this many groups, each convolved on its own.
    public let groups: Int
    /// Keras's `padding`: `valid`, `same`, or for rank 1 `causal`.
    public let padding: Padding
    /// Applied to the convolution plus bias.
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
    private var geometry = ConvolutionGeometry()
    /// The BatchNormalization this layer takes over at inference, set by the model (see
    /// ``BatchNormalizationFolding``).
    var foldedNormalization: BatchNormalization?
    /// The activation layer after that BatchNormalization, applied by this layer at inference.
    var foldedActivation: Activation?
    /// Set at build time when Winograd computes this convolution (with F(4×4) tiles; training and small passes
    /// take F(2×2)).
    private var winograd: WinogradConvolution?
    /// Set at build time when a stride-1 convolution runs without im2col (see ``ImplicitGEMMConvolution``).
    private var implicitGEMM: ImplicitGEMMConvolution?
    /// True when `KERAS_SWIFT_CONV=im2col` asks for im2col + GEMM everywhere, to compare the other algorithms
    /// against it.
    static let im2colOnly = ProcessInfo.processInfo.environment["KERAS_SWIFT_CONV"]?.lowercased() == "im2col"
    /// What inference derives from the parameters, kept across inference calls while they are unchanged
    /// (see ``prepareInference(samples:)``).
    private var inferenceWeights: InferenceWeights?

    /// A layer of `rank` spatial axes with Keras's options (one size per axis); its kernel is created when the
    /// model is built.
    init(className: String, rank: Int, filters: Int, kernelSize: [Int], strides: [Int], dilationRate: [Int], groups: Int,
         padding: Padding, activation: Activation, useBias: Bool, name: String) {
        self.className = className
        self.rank = rank
        self.filters = filters
        self.kernelSize = kernelSize
        self.strides = strides
        self.dilationRate = dilationRate
        self.groups = groups
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.name = name
    }

    /// The `(k..., in channels / groups, filters)` kernel.
    public var kernel: Parameter { parameters[0] }

    public var forwardFlops: Double { 2 * Double(geometry.positions) * Double(geometry.patch) * Double(filters) }
    /// The `(filters)` bias, when the layer has one.
    public var bias: Parameter? { useBias ? parameters[1] : nil }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireSize(filters, "filters")
        let geometry = try ConvolutionGeometry(of: self, inputShape: inputShape, groups: groups, filters: filters)
        let channels = geometry.channels, kernelShape = kernelSize + [channels / groups, filters]
        try initializer.reserveKernel(kernelShape, layer: name)
        self.inputShape = inputShape
        self.geometry = geometry
        inferenceWeights = nil
        outputShape = geometry.outputShape(rank: rank, channels: filters)
        let g = geometry
        let kernel2D = (height: g.kernelHeight, width: g.kernelWidth), strides2D = (height: g.window.sh, width: g.window.sw)
        let special = !Self.im2colOnly && g.isPlain
        winograd = special && WinogradConvolution.applies(kernel: kernel2D, strides: strides2D, channels: channels, filters: filters)
            ? WinogradConvolution(height: g.height, width: g.width, channels: channels, outHeight: g.outHeight,
                                  outWidth: g.outWidth, filters: filters, padTop: g.padTop, padLeft: g.padLeft, tileSize: 4)
            : nil
        implicitGEMM = special && !g.columnsAreInput && ImplicitGEMMConvolution.applies(kernelWidth: g.kernelWidth, strides: strides2D, channels: channels, outWidth: g.outWidth)
            ? ImplicitGEMMConvolution(height: g.height, width: g.width, channels: channels, outHeight: g.outHeight,
                                      outWidth: g.outWidth, filters: filters, kernelHeight: g.kernelHeight,
                                      kernelWidth: g.kernelWidth, padTop: g.padTop, padLeft: g.padLeft)
            : nil
        parameters = [initializer.kernel(shape: kernelShape, kernelInitializer)]
        if useBias { parameters.append(initializer.bias(count: filters, biasInitializer)) }
    }

    /// Rows of the column matrix handled at a time: their columns (about 256 KiB) stay in L2 while the GEMM
    /// reads them, instead of streaming a whole batch's columns through memory.
    private var chunkRows: Int { max(24, (64 * 1024) / max(1, geometry.patch)) }

    /// True for a single input channel at stride 1 (the notebooks' first layers): a direct convolution then
    /// replaces im2col, which would copy every pixel kh·kw times for a product only kh·kw deep.
    private var usesDirectSingleChannel: Bool {
        let g = geometry
        return g.channels == 1 && g.isPlain && MatrixBackend.current == .own
            && ck_conv1_supported(g.window.sh, g.window.sw, g.kernelHeight, g.kernelWidth, filters, g.outWidth) != 0
    }

    private var singleChannelScratch: Int {
        let g = geometry
        return ck_conv1_scratch_size(g.height, g.width, g.kernelHeight, g.kernelWidth, g.padTop, g.padLeft,
                                     g.outHeight, g.outWidth, filters)
    }

    /// The kernel and bias a pass uses: the parameters, or at inference with a folded BatchNormalization, the
    /// kernel scaled and the bias shifted per filter: `prepared`'s, or else written into `buffer`.
    private func passWeights(_ mode: PassMode, into buffer: ScratchBuffer, prepared: InferenceWeights? = nil)
        -> (kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        guard mode == .inference, let normalization = foldedNormalization else { return (UnsafePointer(kernel.value), bias.map { UnsafePointer($0.value) }) }
        if let prepared { return (prepared.kernel, prepared.bias) }
        let folded = BatchNormalizationFolding.fold(kernel: kernel.value, count: kernel.count, bias: bias.map { UnsafePointer($0.value) },
                                                    channels: filters, normalization, into: buffer)
        return (folded.kernel, folded.bias)
    }

    public func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, mode: PassMode,
                        scratch: LayerScratch) {
        let g = geometry
        let rows = batch * g.positions
        let prepared = mode == .inference ? currentInferenceWeights : nil
        let (weights, shift) = passWeights(mode, into: scratch.folded, prepared: prepared)
        let activation = mode == .inference ? foldedActivation ?? appliedActivation : appliedActivation
        let preactivations = preactivationStore(mode, scratch, count: rows * filters)
        // The activation runs on each image's or chunk's output right after it is computed, while it is
        // still in cache.
        let filters = self.filters
        let finished = { (values: Range<Int>) in
            preactivations?.advanced(by: values.lowerBound).update(from: output + values.lowerBound, count: values.count)
            activation.apply(output + values.lowerBound, rows: values.count / filters, width: filters)
        }
        if let winograd = winograd(batch: batch, mode: mode) {
            let transformed = prepared?.transformed[.init(winograd)] ?? transformedKernel(weights, winograd, scratch)
            scratch.prepareThreadBuffers(scratch.threads)
            winograd.forward(input, output, batch: batch, transformedKernel: transformed, bias: shift, threads: scratch.threads,
                             buffers: scratch.buffer(forThread:), finished: finished)
            return
        }
        if usesDirectSingleChannel {
            let work = scratch.second.reserve(singleChannelScratch)
            for sample in 0..<batch {
                let sampleOutput = output + sample * g.positions * filters
                ck_conv1_forward(input + sample * g.imageSize, g.height, g.width, weights, shift, sampleOutput, g.kernelHeight, g.kernelWidth,
                                 g.padTop, g.padLeft, g.outHeight, g.outWidth, filters, work)
                finished(sample * g.positions * filters..<(sample + 1) * g.positions * filters)
            }
            return
        }
        // A single image's rows may be shared between threads, each with a buffer of its own.
        let threads = max(1, min(scratch.threads, rows * g.patch * filters / Self.multiplyAddsPerThread))
        if let implicitGEMM {
            scratch.prepareThreadBuffers(threads)
            implicitGEMM.forward(input, output, batch: batch, kernel: weights, bias: shift, threads: threads,
                                 buffers: scratch.buffer(forThread:), finished: finished)
            return
        }
        // Equal chunks near chunkRows: a short last chunk would read the whole kernel again for a few rows.
        let groupFilters = filters / g.groups
        let share = (rows + threads - 1) / threads
        let chunks = max(1, (share + chunkRows / 2) / chunkRows)
        let chunk = (share + chunks - 1) / chunks
        scratch.prepareThreadBuffers(threads)
        Parallel.forEachChunk(threads) { parts in
            for part in parts {
                let columns = scratch.buffer(forThread: part).reserve(chunk * g.patch + 16)
                let end = rows * (part + 1) / threads
                for start in stride(from: rows * part / threads, to: end, by: chunk) {
                    let count = min(chunk, end - start)
                    for group in 0..<g.groups {
                        // Group g's filters are the kernel's columns g·fg..<(g + 1)·fg.
                        let first = group * groupFilters
                        let rowsOfColumns = g.columnRows(input, rows: start, count: count, group: group, buffer: columns)
                        gemm(m: count, n: groupFilters, k: g.patch, rowsOfColumns, lda: g.patch, weights + first, ldb: filters,
                             bias: shift.map { $0 + first }, output + start * filters + first, ldc: filters)
                    }
                    finished(start * filters..<(start + count) * filters)
                }
            }
        }
    }

    /// The algorithm a pass over `batch` inputs takes. Winograd for a 3×3 kernel at stride 1: at inference
    /// over 16 or more channels and filters, F(4×4, 3×3) on at least 256 output positions and F(2×2, 3×3) on
    /// 64 to 255; in training F(2×2, 3×3) over 32 or more on at least 256. Else a direct convolution for a
    /// single channel, one GEMM over the input for a pointwise convolution, implicit GEMM for a few channels
    /// over wide images at stride 1 (``ImplicitGEMMConvolution``), im2col + GEMM for the rest.
    /// (A single channel's backward pass, where it needs an input gradient, takes im2col + GEMM.)
    public func algorithm(batch: Int, training: Bool) -> ConvolutionAlgorithm {
        if let winograd = winograd(batch: batch, mode: training ? .training : .inference) {
            return winograd.tileSize == 4 ? .winograd4x4 : .winograd2x2
        }
        if usesDirectSingleChannel { return .directSingleChannel }
        if geometry.columnsAreInput { return .pointwise }
        return implicitGEMM == nil ? .im2col : .implicitGEMM
    }

    /// Winograd for a pass, when it computes this convolution and the batch has enough outputs to be worth it.
    private func winograd(batch: Int, mode: PassMode) -> WinogradConvolution? {
        winograd?.forPass(batch: batch, mode: mode)
    }

    /// `weights` transformed for Winograd into the scratch memory, where a training pass's backward pass finds it.
    private func transformedKernel(_ weights: UnsafePointer<Float>, _ winograd: WinogradConvolution,
                                   _ scratch: LayerScratch) -> WinogradConvolution.TransformedKernel {
        winograd.transformKernel(weights, into: scratch.transformedKernel.reserve(winograd.transformedKernelCount))
        return .rowMajor(scratch.transformedKernel)
    }

    /// The parameters inference's weights derive from: the kernel, the bias and a folded BatchNormalization's.
    private var inferenceSources: [Parameter] { parameters + (foldedNormalization?.weights ?? []) }

    /// The kept inference weights, if the parameters have not changed since they were derived.
    private var currentInferenceWeights: InferenceWeights? {
        guard let inferenceWeights, inferenceWeights.versions == inferenceSources.map(\.version) else { return nil }
        return inferenceWeights
    }

    /// Folds the BatchNormalization into the kernel and bias and, where this call takes Winograd, transforms
    /// the kernel, unless that was done for an earlier call and the parameters have not changed since.
    public func prepareInference(samples: Int) {
        let weights: InferenceWeights
        if let current = currentInferenceWeights {
            weights = current
        } else {
            let folded = ScratchBuffer()
            let (kernel, bias) = passWeights(.inference, into: folded)
            weights = InferenceWeights(versions: inferenceSources.map(\.version), kernel: kernel, bias: bias, folded: folded)
            inferenceWeights = weights
        }
        if let winograd = winograd(batch: samples, mode: .inference) {
            let key = InferenceWeights.TransformKey(winograd)
            if weights.transformed[key] == nil { weights.transformed[key] = winograd.keptTransform(of: weights.kernel) }
        }
    }

    /// Multiply-adds per thread (about 50 µs of work) below which sharing a single image between threads
    /// costs more than it saves.
    private static let multiplyAddsPerThread = 4_000_000

    public func backward(input: UnsafePointer<Float>, output: UnsafePointer<Float>, outputGradient: UnsafeMutablePointer<Float>,
                         inputGradient: UnsafeMutablePointer<Float>?, batch: Int, scratch: LayerScratch,
                         gradients: [UnsafeMutablePointer<Float>]) {
        let g = geometry
        let rows = batch * g.positions
        activationBackward(outputGradient, output: output, rows: rows, width: filters, scratch: scratch)
        if useBias { columnSums(gradients[1], outputGradient, rows: rows, width: filters) }
        if let winograd = winograd(batch: batch, mode: .training) {
            inputGradient?.update(repeating: 0, count: batch * g.imageSize)
            winograd.backward(input: input, outputGradient: outputGradient, inputGradient: inputGradient,
                              kernelGradient: gradients[0], batch: batch,
                              transformedKernel: UnsafePointer(scratch.transformedKernel.pointer), tiles: scratch.first,
                              kernelGradientBuffer: scratch.second)
            return
        }
        if usesDirectSingleChannel && inputGradient == nil {  // with an input gradient, im2col below
            let work = scratch.second.reserve(singleChannelScratch)
            gradients[0].update(repeating: 0, count: kernel.count)
            for sample in 0..<batch {
                ck_conv1_weight_gradient(input + sample * g.imageSize, g.height, g.width, outputGradient + sample * g.positions * filters,
                                         gradients[0], g.kernelHeight, g.kernelWidth, g.padTop, g.padLeft,
                                         g.outHeight, g.outWidth, filters, work)
            }
            return
        }
        if let implicitGEMM {
            implicitGEMM.backward(input: input, outputGradient: outputGradient, inputGradient: inputGradient,
                                  kernelGradient: gradients[0], batch: batch, kernel: kernel.value, first: scratch.first,
                                  second: scratch.second)
            return
        }
        // With the input as its own column matrix, each chunk writes its rows of the input gradient whole.
        if !g.columnsAreInput { inputGradient?.update(repeating: 0, count: batch * g.imageSize) }
        let chunk = min(chunkRows, rows), groupFilters = filters / g.groups
        let columns = scratch.first.reserve(chunk * g.patch + 16)
        let columnGradient = inputGradient == nil ? columns : scratch.second.reserve(chunk * g.patch + filters * g.patch)
        // The kernel transposed once (filters × patch), so each chunk's input gradient is a plain product: group
        // g's rows g·fg..<(g + 1)·fg.
        let transposedKernel = columnGradient + chunk * g.patch
        if inputGradient != nil { ck_transpose(kernel.value, transposedKernel, g.patch, filters) }
        for start in stride(from: 0, to: rows, by: chunk) {
            let count = min(chunk, rows - start)
            for group in 0..<g.groups {
                let first = group * groupFilters
                let gradient = outputGradient + start * filters + first
                let rowsOfColumns = g.columnRows(input, rows: start, count: count, group: group, buffer: columns)
                gemm(transposeA: true, m: g.patch, n: groupFilters, k: count, rowsOfColumns, lda: g.patch, gradient, ldb: filters,
                     accumulate: start > 0, gradients[0] + first, ldc: filters)
                guard let inputGradient else { continue }
                let rowsOfGradient = g.columnsAreInput ? inputGradient + start * g.patch : columnGradient
                gemm(m: count, n: g.patch, k: groupFilters, gradient, lda: filters, transposedKernel + first * g.patch, ldb: g.patch,
                     rowsOfGradient, ldc: g.patch)
                if !g.columnsAreInput { g.col2im(columnGradient, inputGradient, rows: start, count: count, group: group) }
            }
        }
    }
}

/// What ``Convolution`` derives from its parameters for inference: the kernel and bias with a folded
/// BatchNormalization applied, and the kernel's Winograd transform (up to four times its size), kept across
/// inference calls while the parameters keep the ``Parameter/version``s they had.
private final class InferenceWeights {
    let versions: [UInt64]
    /// The kernel and bias: the parameters themselves, or folded ones in `folded`.
    let kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?
    private let folded: ScratchBuffer
    /// The Winograd transforms of ``kernel`` for each tile side and kernel path an inference call has taken
    /// (packed panels differ between paths).
    var transformed: [TransformKey: WinogradConvolution.TransformedKernel] = [:]

    /// A tile side, and the path of the thread that runs the pass.
    struct TransformKey: Hashable {
        let tileSize: Int, path: KernelPath

        /// The key of a pass with `winograd`'s tiles on this thread.
        init(_ winograd: WinogradConvolution) {
            tileSize = winograd.tileSize
            path = KernelPath.current
        }
    }

    init(versions: [UInt64], kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, folded: ScratchBuffer) {
        self.versions = versions
        self.kernel = kernel
        self.bias = bias
        self.folded = folded
    }
}

/// A convolution that chooses how to compute each pass by its shape and batch (``Convolution``,
/// ``ConvolutionTranspose``), for speed reports.
public protocol AlgorithmChoosingConvolution: Layer {
    /// The algorithm a pass over `batch` inputs takes.
    func algorithm(batch: Int, training: Bool) -> ConvolutionAlgorithm
}

/// How a convolution computes a pass (``AlgorithmChoosingConvolution/algorithm(batch:training:)``).
public enum ConvolutionAlgorithm: String, Sendable {
    case winograd4x4 = "Winograd F(4x4, 3x3)"
    case winograd2x2 = "Winograd F(2x2, 3x3)"
    case implicitGEMM = "implicit GEMM"
    case directSingleChannel = "direct (one channel)"
    case pointwise = "pointwise GEMM"
    case im2col = "im2col + GEMM"
    /// A transposed convolution's: one GEMM per chunk of input positions, then col2im onto the output.
    case col2im = "GEMM + col2im"
}
