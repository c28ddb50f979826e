import CKernels

/// A 3×3 stride-1 convolution computed with Winograd's F(m×m, 3×3), m = 4 or 2 (the transforms are in CKernels'
/// winograd.h): each m×m output tile takes (m + 2)² multiplies per input channel and filter instead of 9m²,
/// four times fewer for m = 4 and 2.25 times for m = 2.
///
/// The tiles of a batch are taken a chunk of whole tile rows at a time: their transforms ((m + 2)² matrices of
/// tiles × channels), one GEMM per point with the transformed kernel (matrices of channels × filters), then
/// the output transform, which writes the chunk's output rows. Training runs the adjoint of each step.
///
/// Inference takes F(4×4) (F(2×2) on passes too small for it, see ``inferenceTileSize(positions:)``), whose
/// outputs lie within about 2e-6 of the sum of their terms' magnitudes of the exact convolution, where
/// im2col + GEMM lies within 2e-7 (WinogradTests). Training takes F(2×2), whose
/// transforms only add, subtract and halve: a training step decides at every ReLU and max pooling, and with
/// F(4×4)'s rounding a ConvNet step from Keras's weights flipped decisions farther from their switch than ten
/// times Keras's own rounding, which tools/same_start.py allows for.
struct WinogradConvolution {
    let height: Int, width: Int, channels: Int
    let outHeight: Int, outWidth: Int, filters: Int
    let padTop: Int, padLeft: Int
    /// m: the side of an output tile, 4 or 2.
    let tileSize: Int

    /// Whether Winograd computes a convolution of this shape: a 3×3 kernel at stride 1 over at least
    /// ``minimumChannels`` channels and filters.
    static func applies(kernel: (height: Int, width: Int), strides: (height: Int, width: Int), channels: Int,
                        filters: Int) -> Bool {
        kernel == (3, 3) && strides == (1, 1) && channels >= minimumChannels && filters >= minimumChannels
    }

    /// Channels and filters from which Winograd is used at inference: with fewer, each tile's transforms
    /// weigh more against the products they save. At 16 it was measured faster than implicit GEMM on an AMD
    /// Zen 5 (the residual CNN's inference, 73,000 images/s against 65,000); fewer channels were not measured.
    static let minimumChannels = 16

    /// Channels and filters from which training takes Winograd too; below, im2col or ImplicitGEMMConvolution
    /// train faster. Measured on an AMD Zen 5 (AVX-512): the residual CNN's 16-channel layer trained at 15,400
    /// images/s on implicit GEMM against 12,800 on F(2×2), and the BatchNormalization CNN's 32-channel layers at
    /// 7,000 on F(2×2) against 6,300.
    static let minimumTrainingChannels = 32

    /// The tile side inference takes for a pass of `positions` outputs, or nil when Winograd would not pay:
    /// F(4×4) from 256 positions, F(2×2) (whose transformed kernel is 16/9 of the kernel rather than four
    /// times) from 64. Measured on an AMD Zen 5 (AVX-512) with the transformed kernels kept between calls, on
    /// VGG's single image: its 16x16 layers (256 positions) ran faster on F(4×4) than on im2col + GEMM, its
    /// 8x8 ones slower on F(4×4) and faster on F(2×2).
    static func inferenceTileSize(positions: Int) -> Int? {
        positions >= 256 ? 4 : positions >= 64 ? 2 : nil
    }

    /// Output positions a training pass needs before Winograd pays.
    static let minimumTrainingPositions = 256

    /// Tiles per thread below which the threads share out the points of the transformed tile rather than
    /// the tiles: each GEMM then multiplies all the tiles, and each thread reads only its points' part of the
    /// transformed kernel.
    static let tilesPerThread = 32

    /// This convolution with the tiles a pass over `batch` images takes, or nil when Winograd would not pay:
    /// at inference by ``inferenceTileSize(positions:)``, in training F(2×2) from
    /// ``minimumTrainingChannels`` channels and filters and ``minimumTrainingPositions`` positions.
    func forPass(batch: Int, mode: PassMode) -> WinogradConvolution? {
        let positions = batch * outHeight * outWidth
        if mode == .inference { return Self.inferenceTileSize(positions: positions).map { withTiles(of: $0) } }
        return min(channels, filters) >= Self.minimumTrainingChannels && positions >= Self.minimumTrainingPositions ? withTiles(of: 2) : nil
    }

    /// The same convolution with output tiles of side `size`.
    func withTiles(of size: Int) -> WinogradConvolution {
        WinogradConvolution(height: height, width: width, channels: channels, outHeight: outHeight, outWidth: outWidth,
                            filters: filters, padTop: padTop, padLeft: padLeft, tileSize: size)
    }

    /// Points of the transformed tile: products per tile, channel and filter.
    var points: Int { (tileSize + 2) * (tileSize + 2) }
    var tileRowsPerImage: Int { (outHeight + tileSize - 1) / tileSize }
    var tilesPerRow: Int { (outWidth + tileSize - 1) / tileSize }
    /// Floats in a transformed kernel.
    var transformedKernelCount: Int { points * channels * filters }

    /// Tile rows per chunk: about 128 F(4×4) tiles' worth of transformed values, so that the GEMMs read each
    /// transformed kernel matrix for many tiles at once, while a chunk's transformed tiles stay a few megabytes.
    private var chunkTileRows: Int { max(1, 128 * 36 / points / tilesPerRow) }

    /// `transformed` = the Winograd transform of a Keras `(3, 3, channels, filters)` kernel.
    func transformKernel(_ kernel: UnsafePointer<Float>, into transformed: UnsafeMutablePointer<Float>) {
        ck_winograd_kernel(tileSize, kernel, transformed, channels, filters)
    }

    /// A transformed kernel as the forward pass reads it: a channels × filters matrix per point.
    enum TransformedKernel {
        /// Row-major matrices one after the other from the start of the buffer.
        case rowMajor(ScratchBuffer)
        /// The matrices packed into the GEMM kernel's panels. Each point's GEMM then prefetches the next
        /// point's panels: a pass over few tiles reads them from memory, faster than it multiplies them.
        case packed(PackedMatrix)
    }

    /// The transform of `kernel` to keep between inference calls: packed where this thread's GEMM reads
    /// packed panels of this width.
    func keptTransform(of kernel: UnsafePointer<Float>) -> TransformedKernel {
        let transformed = ScratchBuffer()
        transformKernel(kernel, into: transformed.reserve(transformedKernelCount))
        let packed = PackedMatrix(transformed.pointer, count: points, rows: channels, columns: filters)
        return packed.map { .packed($0) } ?? .rowMajor(transformed)
    }

    /// `products` = the transformed tiles times the transformed kernel at `point`, for `tiles` tiles (both
    /// laid out as ``forward(_:_:batch:transformedKernel:bias:threads:buffers:finished:)`` keeps them);
    /// `nextPoint`: whether this thread multiplies point + 1 next.
    private func multiply(point: Int, tiles: Int, _ transformedTiles: UnsafePointer<Float>, _ kernel: TransformedKernel,
                          _ products: UnsafeMutablePointer<Float>, nextPoint: Bool) {
        let a = transformedTiles + point * tiles * channels, c = products + point * tiles * filters
        switch kernel {
        case .rowMajor(let matrices):
            gemm(m: tiles, n: filters, k: channels, a, lda: channels, matrices.pointer + point * channels * filters,
                 ldb: filters, c, ldc: filters)
        case .packed(let matrices):
            gemm(m: tiles, n: filters, k: channels, a, lda: channels, nil, packed: matrices, index: point,
                 prefetchingNext: nextPoint, bias: nil, c, ldc: filters)
        }
    }

    /// The offset in the output of the start of global tile row `row` (tile rows numbered over the batch).
    private func outputOffset(tileRow row: Int) -> Int {
        let image = row / tileRowsPerImage, within = row % tileRowsPerImage
        return (image * outHeight + min(within * tileSize, outHeight)) * outWidth * filters
    }

    /// The convolution of `batch` images with a transformed kernel, plus `bias` when given, shared between
    /// `threads` threads (each with its buffer from `buffers`); `finished` is called with each chunk's range
    /// of output values once they are written, on the thread that wrote them.
    func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int,
                 transformedKernel: TransformedKernel, bias: UnsafePointer<Float>?, threads: Int,
                 buffers: (Int) -> ScratchBuffer, finished: (Range<Int>) -> Void) {
        let tileRows = batch * tileRowsPerImage
        if threads > 1 && tileRows * tilesPerRow < Self.tilesPerThread * threads && tileRows <= chunkTileRows {
            forwardSharingPoints(input, output, batch: batch, transformedKernel: transformedKernel, bias: bias,
                                 threads: threads, buffers: buffers)
            finished(0..<outputOffset(tileRow: tileRows))
            return
        }
        let threads = max(1, min(threads, tileRows, tileRows * tilesPerRow / Self.tilesPerThread))
        Parallel.forEachChunk(threads) { parts in
            for part in parts {
                let end = tileRows * (part + 1) / threads
                let rowsPerChunk = min(chunkTileRows, end - tileRows * part / threads)
                let buffer = buffers(part).reserve(points * rowsPerChunk * tilesPerRow * (channels + filters))
                for first in stride(from: tileRows * part / threads, to: end, by: rowsPerChunk) {
                    let last = min(first + rowsPerChunk, end)
                    let tiles = (last - first) * tilesPerRow, firstTile = first * tilesPerRow
                    let transformedTiles = buffer, products = buffer + points * tiles * channels
                    ck_winograd_input(tileSize, input, transformedTiles, height, width, channels, padTop, padLeft,
                                      tileRowsPerImage, tilesPerRow, firstTile, tiles)
                    for point in 0..<points {
                        multiply(point: point, tiles: tiles, transformedTiles, transformedKernel, products,
                                 nextPoint: point + 1 < points)
                    }
                    ck_winograd_output(tileSize, products, output, bias, outHeight, outWidth, filters, tileRowsPerImage,
                                       tilesPerRow, firstTile, tiles)
                    finished(outputOffset(tileRow: first)..<outputOffset(tileRow: last))
                }
            }
        }
    }

    /// ``forward(_:_:batch:transformedKernel:bias:threads:buffers:finished:)`` for a pass of few tiles, taken
    /// in one chunk: every thread transforms all the tiles (into its own buffer) and computes the GEMMs of its
    /// share of the points, then the calling thread transforms the products into the output.
    private func forwardSharingPoints(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int,
                                      transformedKernel: TransformedKernel, bias: UnsafePointer<Float>?, threads: Int,
                                      buffers: (Int) -> ScratchBuffer) {
        let tiles = batch * tileRowsPerImage * tilesPerRow
        let first = buffers(0).reserve(points * tiles * (channels + filters))
        let products = first + points * tiles * channels
        Parallel.forEachChunk(threads) { parts in
            for part in parts {
                let transformedTiles = part == 0 ? first : buffers(part).reserve(points * tiles * channels)
                ck_winograd_input(tileSize, input, transformedTiles, height, width, channels, padTop, padLeft,
                                  tileRowsPerImage, tilesPerRow, 0, tiles)
                let share = points * part / threads..<points * (part + 1) / threads
                for point in share {
                    multiply(point: point, tiles: tiles, transformedTiles, transformedKernel, products,
                             nextPoint: point + 1 < share.upperBound)
                }
            }
        }
        ck_winograd_output(tileSize, products, output, bias, outHeight, outWidth, filters, tileRowsPerImage, tilesPerRow,
                           0, tiles)
    }

    /// Writes the kernel gradient (overwritten) and adds the input gradient (when asked; the caller zeroes it)
    /// of `batch` images, given the output gradient and the transformed kernel of the forward pass. `tiles`
    /// holds the transformed tiles and their gradients, `kernelGradient` the transformed kernel's gradient.
    func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  kernelGradient: UnsafeMutablePointer<Float>, batch: Int, transformedKernel: UnsafePointer<Float>,
                  tiles tileBuffer: ScratchBuffer, kernelGradientBuffer: ScratchBuffer) {
        let tileRows = batch * tileRowsPerImage
        let rowsPerChunk = min(chunkTileRows, tileRows)
        let buffer = tileBuffer.reserve(points * rowsPerChunk * tilesPerRow * (channels + filters))
        let transformedGradient = kernelGradientBuffer.reserve(transformedKernelCount)
        for first in stride(from: 0, to: tileRows, by: rowsPerChunk) {
            let tiles = (min(first + rowsPerChunk, tileRows) - first) * tilesPerRow, firstTile = first * tilesPerRow
            let transformedTiles = buffer, products = buffer + points * tiles * channels
            ck_winograd_output_gradient(tileSize, outputGradient, products, outHeight, outWidth, filters, tileRowsPerImage,
                                        tilesPerRow, firstTile, tiles)
            ck_winograd_input(tileSize, input, transformedTiles, height, width, channels, padTop, padLeft, tileRowsPerImage,
                              tilesPerRow, firstTile, tiles)
            for point in 0..<points {
                gemm(transposeA: true, m: channels, n: filters, k: tiles, transformedTiles + point * tiles * channels,
                     lda: channels, products + point * tiles * filters, ldb: filters, accumulate: first > 0,
                     transformedGradient + point * channels * filters, ldc: filters)
            }
            guard let inputGradient else { continue }
            // The transformed tiles are used up: their gradients take their place.
            for point in 0..<points {
                gemm(transposeB: true, m: tiles, n: channels, k: filters, products + point * tiles * filters, lda: filters,
                     transformedKernel + point * channels * filters, ldb: filters,
                     transformedTiles + point * tiles * channels, ldc: channels)
            }
            ck_winograd_input_gradient(tileSize, transformedTiles, inputGradient, height, width, channels, padTop, padLeft,
                                       tileRowsPerImage, tilesPerRow, firstTile, tiles)
        }
        ck_winograd_kernel_gradient(tileSize, transformedGradient, kernelGradient, channels, filters)
    }
}
