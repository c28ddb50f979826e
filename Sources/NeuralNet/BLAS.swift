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

/// `sums[j] = Σ_rows values[r][j]` (a bias gradient).
@inline(__always)
func columnSums(_ sums: UnsafeMutablePointer<Float>, _ values: UnsafePointer<Float>, rows: Int, width: Int) {
    ck_column_sums(sums, values, rows, width, 0)
}
