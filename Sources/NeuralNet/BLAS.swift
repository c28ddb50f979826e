import CBLAS
import CKernels
import Foundation

/// Which matrix-multiply implementation the layers use: this project's own SIMD kernels (default) or
/// OpenBLAS. `KERAS_SWIFT_GEMM=openblas` selects OpenBLAS, for comparisons.
public enum MatrixBackend: String, Sendable {
    case own, openblas

    /// The backend in use for this process.
    public static let current: MatrixBackend = {
        if ProcessInfo.processInfo.environment["KERAS_SWIFT_GEMM"]?.lowercased() == "openblas" {
            // The model parallelises over the batch itself; OpenBLAS's own threads would only compete with it.
            openblas_set_num_threads(1)
            return .openblas
        }
        return .own
    }()

    /// A description for reports: `own AVX-512 12x32`, or `OpenBLAS (...)`.
    public static var description: String {
        switch current {
        case .own: return "own " + String(cString: ck_gemm_kernel_name())
        case .openblas: return "OpenBLAS " + String(cString: openblas_get_config())
        }
    }
}

/// Row-major single-precision matrix multiply: `C[m×n] = op(A) · op(B)`, or `C += op(A) · op(B)` when
/// `accumulate`, where `op` transposes when asked; `bias` (n values) is added to every row when given.
@inline(__always)
func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
          _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
          accumulate: Bool = false, bias: UnsafePointer<Float>? = nil, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    switch MatrixBackend.current {
    case .own:
        ck_gemm(transposeA ? 1 : 0, transposeB ? 1 : 0, m, n, k, a, lda, b, ldb, c, ldc, accumulate ? 1 : 0, bias)
    case .openblas:
        cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                    Int32(m), Int32(n), Int32(k), 1, a, Int32(lda), b, Int32(ldb), accumulate ? 1 : 0, c, Int32(ldc))
        if let bias {
            for row in 0..<m { ck_add(c + row * ldc, bias, n) }
        }
    }
}

/// Row-major k×n matrices copied into the panels the GEMM kernel reads them from, one after the other: a
/// Dense kernel used for every batch of an inference call, which the kernel would otherwise pack again for
/// every product, or Winograd's transformed kernels (one matrix per point), kept between calls and streamed
/// from memory one point after the other.
final class PackedMatrix {
    let pointer: UnsafeMutablePointer<Float>
    /// The kernel path the panels were packed for; its kernels multiply them on any thread.
    let path: KernelPath
    /// Floats per packed matrix.
    let stride: Int

    /// Packs `count` matrices that follow one another in `matrices` on this thread's path, or returns nil
    /// when its GEMM would not read them packed (OpenBLAS, the portable kernel, AVX-512 for widths that are
    /// not multiples of 64, narrow outputs).
    init?(_ matrices: UnsafePointer<Float>, count: Int = 1, rows k: Int, columns n: Int) {
        stride = MatrixBackend.current == .own ? ck_gemm_packed_b_size(n, k) : 0
        guard stride > 0 else { return nil }
        path = KernelPath.current
        // Cache-line aligned, so that each k step of a panel starts a line.
        pointer = UnsafeMutableRawPointer.allocate(byteCount: count * stride * MemoryLayout<Float>.stride, alignment: 64)
            .bindMemory(to: Float.self, capacity: count * stride)
        for index in 0..<count { ck_gemm_pack_b(n, k, matrices + index * k * n, n, pointer + index * stride) }
    }

    deinit { pointer.deallocate() }
}

/// `C[m×n] = A · B (+ bias)` where B is matrix `index` of `packed`, read from its panels where the kernel for
/// this shape reads panels, and from `b` (row-major) otherwise; a nil `b` reads the panels whatever the shape.
/// With `prefetchingNext`, the panels of matrix `index + 1` are prefetched while this product runs; with
/// `accumulate`, the product is added to C.
@inline(__always)
func gemm(m: Int, n: Int, k: Int, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>?, packed: PackedMatrix,
          index: Int = 0, prefetchingNext: Bool = false, accumulate: Bool = false, bias: UnsafePointer<Float>?,
          _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    ck_gemm_prepacked(m, n, k, a, lda, b, n, packed.pointer + index * packed.stride, Int32(packed.path.rawValue),
                      prefetchingNext ? packed.stride : 0, c, ldc, accumulate ? 1 : 0, bias)
}

/// `sums[j] = Σ_rows values[r][j]` (a bias gradient).
@inline(__always)
func columnSums(_ sums: UnsafeMutablePointer<Float>, _ values: UnsafePointer<Float>, rows: Int, width: Int) {
    ck_column_sums(sums, values, rows, width, 0)
}
