import CKernels
import Foundation

/// Keras `Conv2D` (channels_last): kernel `(kh, kw, in, filters)`, any strides, `valid` or `same` padding.
///
/// Computed as im2col + GEMM: each output position's receptive field becomes one row of `kh·kw·in` values in
/// `(ky, kx, channel)` order, which is exactly the row-major layout of Keras's kernel seen as a
/// `(kh·kw·in) × filters` matrix, so the output comes out NHWC without any transposition. A 3×3 stride-1
/// kernel over enough channels takes Winograd's algorithm instead (``WinogradConvolution``), a stride-1
/// convolution over a few channels and wide images GEMMs over the padded image without im2col's copies
/// (``ImplicitGEMMConvolution``), and a single input channel at stride 1 a direct convolution.
public final class Conv2D: UnaryLayer, ActivatedLayer {
    public var name: String
    public let className = "Conv2D"
    /// Keras's `filters`: output channels.
    public let filters: Int
    /// Keras's `kernel_size`.
    public let kernelSize: (height: Int, width: Int)
    /// Keras's `strides`.
    public let strides: (height: Int, width: Int)
    /// Keras's `padding`: `valid` or `same`.
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
    private var geometry = Geometry()
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

    /// Sizes along each axis, fixed at build time.
    struct Geometry {
        var height = 0, width = 0, channels = 0
        var outHeight = 0, outWidth = 0
        var padTop = 0, padLeft = 0
        /// Values in one receptive field: kh·kw·in.
        var patch = 0
        var imageSize: Int { height * width * channels }
        var positions: Int { outHeight * outWidth }
    }

    /// A layer with Keras's options; its kernel is created when the model is built.
    public init(filters: Int, kernelSize: (Int, Int), strides: (Int, Int) = (1, 1), padding: Padding = .valid,
                activation: Activation = .linear, useBias: Bool = true, name: String = "conv2d") {
        self.filters = filters
        self.kernelSize = (kernelSize.0, kernelSize.1)
        self.strides = (strides.0, strides.1)
        self.padding = padding
        self.activation = activation
        self.useBias = useBias
        self.name = name
    }

    /// The `(kernel height, kernel width, in channels, filters)` kernel.
    public var kernel: Parameter { parameters[0] }

    public var forwardFlops: Double {
        2 * Double(outputShape[0] * outputShape[1]) * Double(kernelSize.height * kernelSize.width * inputShape[2]) * Double(filters)
    }
    /// The `(filters)` bias, when the layer has one.
    public var bias: Parameter? { useBias ? parameters[1] : nil }

    public func build(inputShape: [Int], initializer: inout ParameterInitializer) throws {
        try requireImageInput(inputShape)
        for (value, setting) in [(filters, "filters"), (kernelSize.height, "kernel height"), (kernelSize.width, "kernel width"),
                                 (strides.height, "stride height"), (strides.width, "stride width")] {
            try requireSize(value, setting)
        }
        let kernelShape = [kernelSize.height, kernelSize.width, inputShape[2], filters]
        try initializer.reserveKernel(kernelShape, layer: name)
        let rows = padding.geometry(input: inputShape[0], window: kernelSize.height, stride: strides.height)
        let cols = padding.geometry(input: inputShape[1], window: kernelSize.width, stride: strides.width)
        guard rows.output > 0, cols.output > 0 else {
            throw ModelError.invalidInput(layer: name, reason: "a \(kernelSize.height)x\(kernelSize.width) kernel does not fit input \(describeShape(inputShape, batch: true))")
        }
        self.inputShape = inputShape
        inferenceWeights = nil
        outputShape = [rows.output, cols.output, filters]
        geometry = Geometry(height: inputShape[0], width: inputShape[1], channels: inputShape[2],
                            outHeight: rows.output, outWidth: cols.output, padTop: rows.before, padLeft: cols.before,
                            patch: kernelSize.height * kernelSize.width * inputShape[2])
        winograd = !Self.im2colOnly && WinogradConvolution.applies(kernel: kernelSize, strides: strides, channels: inputShape[2], filters: filters)
            ? WinogradConvolution(height: inputShape[0], width: inputShape[1], channels: inputShape[2], outHeight: rows.output,
                                  outWidth: cols.output, filters: filters, padTop: rows.before, padLeft: cols.before, tileSize: 4)
            : nil
        implicitGEMM = !Self.im2colOnly
            && ImplicitGEMMConvolution.applies(kernelWidth: kernelSize.width, strides: strides, channels: inputShape[2], outWidth: cols.output)
            ? ImplicitGEMMConvolution(height: inputShape[0], width: inputShape[1], channels: inputShape[2], outHeight: rows.output,
                                      outWidth: cols.output, filters: filters, kernelHeight: kernelSize.height,
                                      kernelWidth: kernelSize.width, padTop: rows.before, padLeft: cols.before)
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
        geometry.channels == 1 && MatrixBackend.current == .own
            && ck_conv1_supported(strides.height, strides.width, kernelSize.height, kernelSize.width, filters, geometry.outWidth) != 0
    }

    private var singleChannelScratch: Int {
        let g = geometry
        return ck_conv1_scratch_size(g.height, g.width, kernelSize.height, kernelSize.width, g.padTop, g.padLeft,
                                     g.outHeight, g.outWidth, filters)
    }

    /// The kernel and bias a pass uses: the parameters, or at inference with a folded BatchNormalization, the
    /// kernel scaled and the bias shifted per filter: `prepared`'s, or else written into `buffer`.
    private func passWeights(_ mode: PassMode, into buffer: ScratchBuffer, prepared: InferenceWeights? = nil)
        -> (kernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?) {
        guard mode == .inference, let normalization = foldedNormalization else { return (UnsafePointer(kernel.value), bias.map { UnsafePointer($0.value) }) }
        if let prepared { return (prepared.kernel, prepared.bias) }
        let folded = buffer.reserve(kernel.count + 3 * filters)
        let foldedBias = folded + kernel.count, factor = foldedBias + filters, offset = factor + filters
        normalization.inferenceAffine(factor: factor, offset: offset)
        let weights = kernel.value
        for row in 0..<kernel.count / filters {
            for f in 0..<filters { folded[row * filters + f] = weights[row * filters + f] * factor[f] }
        }
        for f in 0..<filters { foldedBias[f] = (bias?.value[f] ?? 0) * factor[f] + offset[f] }
        return (UnsafePointer(folded), UnsafePointer(foldedBias))
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
                ck_conv1_forward(input + sample * g.imageSize, g.height, g.width, weights, shift, sampleOutput, kernelSize.height, kernelSize.width, g.padTop, g.padLeft, g.outHeight,
                                 g.outWidth, filters, work)
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
                    im2col(input, rows: start, count: count, into: columns)
                    gemm(m: count, n: filters, k: g.patch, columns, lda: g.patch, weights, ldb: filters,
                         bias: shift, output + start * filters, ldc: filters)
                    finished(start * filters..<(start + count) * filters)
                }
            }
        }
    }

    /// The algorithm a pass over `batch` inputs takes. Winograd for a 3×3 kernel at stride 1: at inference
    /// over 16 or more channels and filters, F(4×4, 3×3) on at least 256 output positions and F(2×2, 3×3) on
    /// 64 to 255; in training F(2×2, 3×3) over 32 or more on at least 256. Else a direct convolution for a
    /// single channel, implicit GEMM for a few channels over wide images at stride 1
    /// (``ImplicitGEMMConvolution``), im2col + GEMM for the rest.
    /// (A single channel's backward pass, where it needs an input gradient, takes im2col + GEMM.)
    public func algorithm(batch: Int, training: Bool) -> ConvolutionAlgorithm {
        if let winograd = winograd(batch: batch, mode: training ? .training : .inference) {
            return winograd.tileSize == 4 ? .winograd4x4 : .winograd2x2
        }
        if usesDirectSingleChannel { return .directSingleChannel }
        return implicitGEMM == nil ? .im2col : .implicitGEMM
    }

    /// Winograd for a pass, when it computes this convolution and the batch has enough outputs to be worth it.
    private func winograd(batch: Int, mode: PassMode) -> WinogradConvolution? {
        guard let winograd else { return nil }
        let positions = batch * geometry.positions
        if mode == .inference { return WinogradConvolution.inferenceTileSize(positions: positions).map { winograd.withTiles(of: $0) } }
        let narrowest = min(geometry.channels, filters)
        return narrowest >= WinogradConvolution.minimumTrainingChannels && positions >= WinogradConvolution.minimumTrainingPositions
            ? winograd.withTiles(of: 2) : nil
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
                                         gradients[0], kernelSize.height, kernelSize.width, g.padTop, g.padLeft,
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
        inputGradient?.update(repeating: 0, count: batch * g.imageSize)
        let chunk = min(chunkRows, rows)
        let columns = scratch.first.reserve(chunk * g.patch + 16)
        let columnGradient = inputGradient == nil ? columns : scratch.second.reserve(chunk * g.patch + filters * g.patch)
        // The kernel transposed once (filters × patch), so each chunk's input gradient is a plain product.
        let transposedKernel = columnGradient + chunk * g.patch
        if inputGradient != nil { ck_transpose(kernel.value, transposedKernel, g.patch, filters) }
        for start in stride(from: 0, to: rows, by: chunk) {
            let count = min(chunk, rows - start)
            let gradient = outputGradient + start * filters
            im2col(input, rows: start, count: count, into: columns)
            gemm(transposeA: true, m: g.patch, n: filters, k: count, columns, lda: g.patch, gradient, ldb: filters,
                 accumulate: start > 0, gradients[0], ldc: filters)
            guard let inputGradient else { continue }
            gemm(m: count, n: g.patch, k: filters, gradient, lda: filters, transposedKernel, ldb: g.patch,
                 columnGradient, ldc: g.patch)
            ck_col2im(columnGradient, inputGradient, g.height, g.width, g.channels, kernelSize.height, kernelSize.width,
                      strides.height, strides.width, g.padTop, g.padLeft, g.outHeight, g.outWidth, start, count)
        }
    }

    /// Rows `start..<start + count` of the batch's column matrix (see ck_im2col).
    private func im2col(_ input: UnsafePointer<Float>, rows start: Int, count: Int, into columns: UnsafeMutablePointer<Float>) {
        let g = geometry
        ck_im2col(input, columns, g.height, g.width, g.channels, kernelSize.height, kernelSize.width, strides.height,
                  strides.width, g.padTop, g.padLeft, g.outHeight, g.outWidth, start, count)
    }
}

/// What ``Conv2D`` derives from its parameters for inference: the kernel and bias with a folded
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

/// How ``Conv2D`` computes a pass (``Conv2D/algorithm(batch:training:)``).
public enum ConvolutionAlgorithm: String, Sendable {
    case winograd4x4 = "Winograd F(4x4, 3x3)"
    case winograd2x2 = "Winograd F(2x2, 3x3)"
    case implicitGEMM = "implicit GEMM"
    case directSingleChannel = "direct (one channel)"
    case im2col = "im2col + GEMM"
}
