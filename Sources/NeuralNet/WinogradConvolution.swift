import CKernels
import Foundation

/// A 3×3 stride-1 convolution computed with Winograd's F(4×4, 3×3) (the transforms are in CKernels'
/// winograd.h): each 4×4 output tile takes 36 multiplies per input channel and filter instead of 144.
///
/// The tiles of a batch are taken a chunk of whole tile rows at a time: their transforms (36 matrices of
/// tiles × channels), 36 GEMMs with the transformed kernel (36 matrices of channels × filters), then the
/// output transform, which writes the chunk's output rows. Training runs the adjoint of each step.
///
/// Its outputs lie within about 2e-6 of the sum of their terms' magnitudes of the exact convolution, where
/// im2col + GEMM lies within 2e-7 (WinogradTests); trained from one start, tools/keras_zoo.py's
/// `winograd_cnn` lands as close to a float64 run as with im2col.
struct WinogradConvolution {
    let height: Int, width: Int, channels: Int
    let outHeight: Int, outWidth: Int, filters: Int
    let padTop: Int, padLeft: Int

    /// Points of the transformed 6×6 tile: products per tile, channel and filter.
    static let points = 36

    /// Whether Winograd computes a convolution of this shape: a 3×3 kernel at stride 1 over more than a few
    /// channels and filters (with fewer, the transforms cost more than the multiplies they save), unless
    /// `KERAS_SWIFT_CONV=im2col` asks for im2col + GEMM everywhere.
    static func applies(kernel: (height: Int, width: Int), strides: (height: Int, width: Int), channels: Int,
                        filters: Int) -> Bool {
        kernel == (3, 3) && strides == (1, 1) && channels >= minimumChannels && filters >= minimumChannels && enabled
    }

    /// Channels and filters from which Winograd measured faster than im2col + GEMM.
    static let minimumChannels = 16

    /// False when `KERAS_SWIFT_CONV=im2col`.
    static let enabled = ProcessInfo.processInfo.environment["KERAS_SWIFT_CONV"]?.lowercased() != "im2col"

    /// Output positions a pass (or a thread's share of it) needs before Winograd pays: its transformed kernel
    /// is four times the kernel, and reading it for fewer outputs (a single small image) cost more than
    /// the multiplies it saves.
    static let minimumOutputPositions = 512

    var tileRowsPerImage: Int { (outHeight + 3) / 4 }
    var tilesPerRow: Int { (outWidth + 3) / 4 }
    /// Floats in a transformed kernel.
    var transformedKernelCount: Int { Self.points * channels * filters }

    /// Tile rows per chunk: about 128 tiles, so that the GEMMs read each transformed kernel matrix for many tiles
    /// at once, while a chunk's transformed tiles stay a few megabytes.
    private var chunkTileRows: Int { max(1, 128 / tilesPerRow) }

    /// `transformed` = the Winograd transform of a Keras `(3, 3, channels, filters)` kernel.
    func transformKernel(_ kernel: UnsafePointer<Float>, into transformed: UnsafeMutablePointer<Float>) {
        ck_winograd_kernel(kernel, transformed, channels, filters)
    }

    /// The offset in the output of the start of global tile row `row` (tile rows numbered over the batch).
    private func outputOffset(tileRow row: Int) -> Int {
        let image = row / tileRowsPerImage, within = row % tileRowsPerImage
        return (image * outHeight + min(within * 4, outHeight)) * outWidth * filters
    }

    /// The convolution of `batch` images with a transformed kernel, plus `bias` when given, shared between
    /// `threads` threads (each with its buffer from `buffers`); `finished` is called with each chunk's range
    /// of output values once they are written, on the thread that wrote them.
    func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int,
                 transformedKernel: UnsafePointer<Float>, bias: UnsafePointer<Float>?, threads: Int,
                 buffers: (Int) -> ScratchBuffer, finished: (Range<Int>) -> Void) {
        let tileRows = batch * tileRowsPerImage
        let threads = max(1, min(threads, tileRows))
        Parallel.forEachChunk(threads) { parts in
            for part in parts {
                let end = tileRows * (part + 1) / threads
                let rowsPerChunk = min(chunkTileRows, end - tileRows * part / threads)
                let buffer = buffers(part).reserve(Self.points * rowsPerChunk * tilesPerRow * (channels + filters))
                for first in stride(from: tileRows * part / threads, to: end, by: rowsPerChunk) {
                    let last = min(first + rowsPerChunk, end)
                    let tiles = (last - first) * tilesPerRow, firstTile = first * tilesPerRow
                    let transformedTiles = buffer, products = buffer + Self.points * tiles * channels
                    ck_winograd_input(input, transformedTiles, height, width, channels, padTop, padLeft,
                                      tileRowsPerImage, tilesPerRow, firstTile, tiles)
                    for point in 0..<Self.points {
                        gemm(m: tiles, n: filters, k: channels, transformedTiles + point * tiles * channels, lda: channels,
                             transformedKernel + point * channels * filters, ldb: filters,
                             products + point * tiles * filters, ldc: filters)
                    }
                    ck_winograd_output(products, output, bias, outHeight, outWidth, filters, tileRowsPerImage,
                                       tilesPerRow, firstTile, tiles)
                    finished(outputOffset(tileRow: first)..<outputOffset(tileRow: last))
                }
            }
        }
    }

    /// Writes the kernel gradient (overwritten) and adds the input gradient (when asked; the caller zeroes it)
    /// of `batch` images, given the output gradient and the transformed kernel of the forward pass. `tiles`
    /// holds the transformed tiles and their gradients, `kernelGradient` the transformed kernel's gradient.
    func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  kernelGradient: UnsafeMutablePointer<Float>, batch: Int, transformedKernel: UnsafePointer<Float>,
                  tiles tileBuffer: ScratchBuffer, kernelGradientBuffer: ScratchBuffer) {
        let tileRows = batch * tileRowsPerImage
        let rowsPerChunk = min(chunkTileRows, tileRows)
        let buffer = tileBuffer.reserve(Self.points * rowsPerChunk * tilesPerRow * (channels + filters))
        let transformedGradient = kernelGradientBuffer.reserve(transformedKernelCount)
        for first in stride(from: 0, to: tileRows, by: rowsPerChunk) {
            let tiles = (min(first + rowsPerChunk, tileRows) - first) * tilesPerRow, firstTile = first * tilesPerRow
            let transformedTiles = buffer, products = buffer + Self.points * tiles * channels
            ck_winograd_output_gradient(outputGradient, products, outHeight, outWidth, filters, tileRowsPerImage,
                                        tilesPerRow, firstTile, tiles)
            ck_winograd_input(input, transformedTiles, height, width, channels, padTop, padLeft, tileRowsPerImage,
                              tilesPerRow, firstTile, tiles)
            for point in 0..<Self.points {
                gemm(transposeA: true, m: channels, n: filters, k: tiles, transformedTiles + point * tiles * channels,
                     lda: channels, products + point * tiles * filters, ldb: filters, accumulate: first > 0,
                     transformedGradient + point * channels * filters, ldc: filters)
            }
            guard let inputGradient else { continue }
            // The transformed tiles are used up: their gradients take their place.
            for point in 0..<Self.points {
                gemm(transposeB: true, m: tiles, n: channels, k: filters, products + point * tiles * filters, lda: filters,
                     transformedKernel + point * channels * filters, ldb: filters,
                     transformedTiles + point * tiles * channels, ldc: channels)
            }
            ck_winograd_input_gradient(transformedTiles, inputGradient, height, width, channels, padTop, padLeft,
                                       tileRowsPerImage, tilesPerRow, firstTile, tiles)
        }
        ck_winograd_kernel_gradient(transformedGradient, kernelGradient, channels, filters)
    }
}
