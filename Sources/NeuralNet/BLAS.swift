import CBLAS
import CKernels

/// Row-major single-precision matrix multiply through OpenBLAS:
/// `C[m×n] = alpha · op(A) · op(B) + beta · C`, where `op` transposes when asked.
@inline(__always)
func gemm(transposeA: Bool = false, transposeB: Bool = false, m: Int, n: Int, k: Int,
          alpha: Float = 1, _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
          beta: Float = 0, _ c: UnsafeMutablePointer<Float>, ldc: Int) {
    cblas_sgemm(CblasRowMajor, transposeA ? CblasTrans : CblasNoTrans, transposeB ? CblasTrans : CblasNoTrans,
                Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
}

/// `sums[j] = Σ_rows values[r][j]` (a bias gradient).
@inline(__always)
func columnSums(_ sums: UnsafeMutablePointer<Float>, _ values: UnsafePointer<Float>, rows: Int, width: Int) {
    ck_column_sums(sums, values, rows, width, 0)
}

/// The model parallelises over the batch itself; OpenBLAS's own threads would only compete with it.
let singleThreadedBLAS: Void = openblas_set_num_threads(1)
