import CKernels

/// A stride-1 convolution without im2col's copies: the image is zero-padded so that every output position's
/// window lies inside it, and the im2col matrix of kernel row `ky` is then the padded image itself, read as
/// overlapping rows. Row q starts at padded pixel `q + ky · paddedWidth` and runs `kernelWidth · channels`
/// values, so consecutive rows lie `channels` floats apart: a pass is `kernelHeight` GEMMs with that row stride,
/// computing outputs over the padded width, whose `kernelWidth - 1` extra positions per row are dropped when
/// the rows are copied out.
///
/// The kernel gradient is the same views transposed times the output gradient (laid out at the padded width,
/// zero in the extra columns); the input gradient is this convolution of the output gradient padded by the
/// window less the forward pass's padding, with the kernel turned by 180° and its channel and filter axes
/// swapped. Every product is `kernelWidth · channels` (or `kernelWidth · filters`) deep, where im2col's
/// input-gradient product is `filters` deep; the padded copies are the size of the image, where im2col's
/// columns are `kernelHeight · kernelWidth` times it.
struct ImplicitGEMMConvolution {
    let height: Int, width: Int, channels: Int
    let outHeight: Int, outWidth: Int, filters: Int
    let kernelHeight: Int, kernelWidth: Int
    let padTop: Int, padLeft: Int

    /// Whether this path computes a convolution: stride 1 over 2 to 31 channels, where im2col's copies weigh
    /// nearly as much as its products (one channel has a direct kernel of its own), and padded rows at least
    /// 8 × (kernelWidth - 1) wide, so that the positions computed and dropped are at most an eighth of the
    /// work; with this project's GEMM (OpenBLAS refuses rows that overlap). Measured on an AMD Zen 5 (AVX-512):
    /// the residual CNN's 16-channel 28×28 layer trained 19 % faster than on im2col (and than on Winograd's
    /// F(2×2)), while LeNet-5's 6-channel layer (10×10 outputs, 5×5 window) trained 22 % slower, a 3×3 layer
    /// over 5×5 images three times slower, and VGG's 64-channel and wider layers on a single image 15 % slower.
    static func applies(kernelWidth: Int, strides: (height: Int, width: Int), channels: Int, outWidth: Int) -> Bool {
        strides == (1, 1) && (2..<32).contains(channels) && outWidth + kernelWidth - 1 >= 8 * (kernelWidth - 1)
            && MatrixBackend.current == .own
    }

    var paddedHeight: Int { outHeight + kernelHeight - 1 }
    var paddedWidth: Int { outWidth + kernelWidth - 1 }
    /// Floats of a padded image, with room for the last rows' windows, which run `kernelWidth - 1` pixels
    /// past its end.
    var paddedCount: Int { (paddedHeight * paddedWidth + kernelWidth - 1) * channels }
    /// Depth of each kernel row's product.
    private var rowDepth: Int { kernelWidth * channels }

    /// Output rows per GEMM: about 32K floats (128 KiB) of products at the padded width, which stay in L2
    /// across the kernel rows' passes over them.
    private var rowsPerChunk: Int { max(1, min(outHeight, 32 * 1024 / (paddedWidth * filters))) }

    /// Copies `image` into `padded` with its zero border (and the zeros after it).
    private func pad(_ image: UnsafePointer<Float>, into padded: UnsafeMutablePointer<Float>) {
        let rowFloats = paddedWidth * channels, right = paddedWidth - padLeft - width
        padded.update(repeating: 0, count: padTop * rowFloats)
        for y in 0..<height {
            let row = padded + (padTop + y) * rowFloats
            row.update(repeating: 0, count: padLeft * channels)
            (row + padLeft * channels).update(from: image + y * width * channels, count: width * channels)
            (row + (padLeft + width) * channels).update(repeating: 0, count: right * channels)
        }
        let below = padded + (padTop + height) * rowFloats
        below.update(repeating: 0, count: padded + paddedCount - below)
    }

    /// Floats a thread's buffer holds during ``forward(_:_:batch:kernel:bias:threads:buffers:finished:)``.
    private var forwardBufferCount: Int { paddedCount + rowsPerChunk * paddedWidth * filters }

    /// The convolution of `batch` images with a Keras `(kh, kw, channels, filters)` kernel, plus `bias` when
    /// given, shared between `threads` threads (each with its buffer from `buffers`); `finished` is called with
    /// each chunk's range of output values once they are written, on the thread that wrote them.
    func forward(_ input: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>, batch: Int, kernel: UnsafePointer<Float>,
                 bias: UnsafePointer<Float>?, threads: Int, buffers: (Int) -> ScratchBuffer, finished: (Range<Int>) -> Void) {
        let chunksPerImage = (outHeight + rowsPerChunk - 1) / rowsPerChunk, items = batch * chunksPerImage
        let threads = max(1, min(threads, items))
        let imageSize = height * width * channels, outputImageSize = outHeight * outWidth * filters
        Parallel.forEachChunk(threads) { parts in
            for part in parts {
                let padded = buffers(part).reserve(forwardBufferCount), products = padded + paddedCount
                var paddedImage = -1
                for item in items * part / threads..<items * (part + 1) / threads {
                    let image = item / chunksPerImage, firstRow = item % chunksPerImage * rowsPerChunk
                    let rows = min(rowsPerChunk, outHeight - firstRow)
                    if image != paddedImage {
                        pad(input + image * imageSize, into: padded)
                        paddedImage = image
                    }
                    for ky in 0..<kernelHeight {
                        gemm(m: rows * paddedWidth, n: filters, k: rowDepth, padded + (firstRow + ky) * paddedWidth * channels,
                             lda: channels, kernel + ky * rowDepth * filters, ldb: filters, accumulate: ky > 0,
                             bias: ky == 0 ? bias : nil, products, ldc: filters)
                    }
                    let first = image * outputImageSize + firstRow * outWidth * filters
                    for row in 0..<rows {
                        (output + first + row * outWidth * filters).update(from: products + row * paddedWidth * filters,
                                                                           count: outWidth * filters)
                    }
                    finished(first..<first + rows * outWidth * filters)
                }
            }
        }
    }

    /// The convolution that computes this one's input gradient from its output gradient: the same window
    /// over the output gradient, padded by the window less this padding, from `filters` channels to
    /// `channels` filters.
    private var inputGradientConvolution: ImplicitGEMMConvolution {
        ImplicitGEMMConvolution(height: outHeight, width: outWidth, channels: filters, outHeight: height, outWidth: width,
                                filters: channels, kernelHeight: kernelHeight, kernelWidth: kernelWidth,
                                padTop: kernelHeight - 1 - padTop, padLeft: kernelWidth - 1 - padLeft)
    }

    /// Writes the kernel gradient (overwritten) and, when asked, the input gradient (overwritten) of `batch`
    /// images, given the output gradient and the kernel; `first` and `second` are scratch memory.
    func backward(input: UnsafePointer<Float>, outputGradient: UnsafePointer<Float>, inputGradient: UnsafeMutablePointer<Float>?,
                  kernelGradient: UnsafeMutablePointer<Float>, batch: Int, kernel: UnsafePointer<Float>,
                  first: ScratchBuffer, second: ScratchBuffer) {
        let gradientRowFloats = paddedWidth * filters
        let padded = first.reserve(paddedCount + outHeight * gradientRowFloats), widened = padded + paddedCount
        for image in 0..<batch {
            pad(input + image * height * width * channels, into: padded)
            // The output gradient at the padded width, zero at the positions the forward pass dropped.
            for row in 0..<outHeight {
                let target = widened + row * gradientRowFloats
                target.update(from: outputGradient + (image * outHeight + row) * outWidth * filters, count: outWidth * filters)
                (target + outWidth * filters).update(repeating: 0, count: (kernelWidth - 1) * filters)
            }
            for ky in 0..<kernelHeight {
                gemm(transposeA: true, m: rowDepth, n: filters, k: outHeight * paddedWidth, padded + ky * paddedWidth * channels,
                     lda: channels, widened, ldb: filters, accumulate: image > 0, kernelGradient + ky * rowDepth * filters,
                     ldc: filters)
            }
        }
        guard let inputGradient else { return }
        let transposed = inputGradientConvolution
        let turned = first.reserve(kernelHeight * rowDepth * filters)
        for ky in 0..<kernelHeight {
            for kx in 0..<kernelWidth {
                let source = kernel + ((kernelHeight - 1 - ky) * kernelWidth + (kernelWidth - 1 - kx)) * channels * filters
                ck_transpose(source, turned + (ky * kernelWidth + kx) * filters * channels, channels, filters)
            }
        }
        transposed.forward(outputGradient, inputGradient, batch: batch, kernel: turned, bias: nil, threads: 1,
                           buffers: { _ in second }) { _ in }
    }
}
