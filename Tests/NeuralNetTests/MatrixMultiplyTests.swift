import CKernels
import NeuralNet
import Testing

/// ck_gemm, on every instruction-set path this processor runs, against a float64 reference: every tile shape,
/// the packing thresholds on both sides (row and column counts around whole tiles, strides of 4 KiB), both
/// transposes, accumulation and bias, k blocks of unequal depth, and a Dense layer's three products at every
/// batch size from 1 to 32.
@Suite struct MatrixMultiplyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        let m: Int, n: Int, k: Int
        var transposeA = false, transposeB = false, accumulate = false, bias = false
        var testDescription: String {
            "\(m)x\(n)x\(k)\(transposeA ? " A^T" : "")\(transposeB ? " B^T" : "")\(accumulate ? " +=" : "")\(bias ? " +bias" : "")"
        }
    }

    static let cases: [Case] = [
        Case(m: 1, n: 1, k: 1), Case(m: 1, n: 100, k: 37, bias: true), Case(m: 2, n: 70, k: 300),
        Case(m: 5, n: 7, k: 3), Case(m: 13, n: 8, k: 25, bias: true), Case(m: 50, n: 16, k: 150),
        Case(m: 23, n: 33, k: 17), Case(m: 24, n: 64, k: 100), Case(m: 25, n: 65, k: 513, bias: true),
        Case(m: 64, n: 1024, k: 784, bias: true), Case(m: 64, n: 256, k: 1024), Case(m: 30, n: 100, k: 9, accumulate: true),
        Case(m: 100, n: 70, k: 300, transposeA: true), Case(m: 70, n: 100, k: 64, transposeB: true),
        Case(m: 16, n: 784, k: 1024, transposeB: true), Case(m: 300, n: 20, k: 40, transposeA: true, accumulate: true),
        Case(m: 9, n: 31, k: 600, transposeA: true, transposeB: true, bias: true),
        Case(m: 40, n: 5, k: 30, transposeA: true, accumulate: true), Case(m: 2, n: 40, k: 50, transposeB: true, bias: true),
        Case(m: 1, n: 1030, k: 1031, accumulate: true, bias: true), Case(m: 2, n: 37, k: 601, transposeA: true, bias: true),
    ]

    @Test(arguments: cases, KernelPath.available)
    func productMatchesAFloat64Reference(_ c: Case, path: KernelPath) {
        KernelPath.withCap(path) { Self.checkProduct(c, seed: UInt64(c.m * 1_000_003 + c.n * 1009 + c.k)) }
    }

    /// A Dense layer's forward product, weight gradient and input gradient for batches of 1 to 32 samples:
    /// the tile kernels' partial row blocks and, for one or two samples, the single-row kernels.
    @Test(arguments: [(16, 64), (64, 32), (120, 84), (84, 10), (400, 120), (784, 256)], KernelPath.available)
    func aDenseLayersProductsAtEveryBatchSize(layer: (inputs: Int, units: Int), path: KernelPath) {
        KernelPath.withCap(path) {
            for batch in 1...32 {
                let seed = UInt64(batch * 7 + layer.inputs)
                Self.checkProduct(Case(m: batch, n: layer.units, k: layer.inputs, bias: true), seed: seed)
                Self.checkProduct(Case(m: layer.inputs, n: layer.units, k: batch, transposeA: true), seed: seed + 1)
                Self.checkProduct(Case(m: layer.inputs, n: layer.units, k: batch, transposeA: true, accumulate: true), seed: seed + 2)
                Self.checkProduct(Case(m: batch, n: layer.inputs, k: layer.units, transposeB: true), seed: seed + 3)
            }
        }
    }

    static func checkProduct(_ c: Case, seed: UInt64, sourceLocation: SourceLocation = #_sourceLocation) {
        var generator = SeededGenerator(seed: seed)
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in generator.nextUnitFloat() - 0.5 } }
        let a = values(c.m * c.k), b = values(c.k * c.n), bias = values(c.n), start = values(c.m * c.n)
        let lda = c.transposeA ? c.m : c.k, ldb = c.transposeB ? c.k : c.n
        func aValue(_ i: Int, _ p: Int) -> Double { Double(c.transposeA ? a[p * lda + i] : a[i * lda + p]) }
        func bValue(_ p: Int, _ j: Int) -> Double { Double(c.transposeB ? b[j * ldb + p] : b[p * ldb + j]) }

        var product = start
        bias.withUnsafeBufferPointer { biasValues in
            ck_gemm(c.transposeA ? 1 : 0, c.transposeB ? 1 : 0, c.m, c.n, c.k, a, lda, b, ldb, &product, c.n,
                    c.accumulate ? 1 : 0, c.bias ? biasValues.baseAddress : nil)
        }

        var worst = 0.0
        for i in 0..<c.m {
            for j in 0..<c.n {
                var expected = (c.accumulate ? Double(start[i * c.n + j]) : 0) + (c.bias ? Double(bias[j]) : 0)
                for p in 0..<c.k { expected += aValue(i, p) * bValue(p, j) }
                worst = max(worst, abs(Double(product[i * c.n + j]) - expected))
            }
        }
        // Each term is below 0.25 in size; float32 sums of k of them stay within k · 2^-24 · 0.25 · a few.
        #expect(worst <= Double(c.k) * 1e-7 + 1e-6, "\(KernelPath.current) \(c.testDescription): largest difference \(worst)",
                sourceLocation: sourceLocation)
    }

    /// B packed once by ck_gemm_pack_b gives exactly ck_gemm's product, written or added to C: the same panels, summed in the same
    /// order (on machines whose kernel does not pack B, ck_gemm_prepacked falls back to ck_gemm). Where B is
    /// packed, so does reading the panels alone (no row-major B, as Winograd's kept kernels are given) while
    /// prefetching the next packed matrix, and reading that next one.
    @Test(arguments: cases.filter { !$0.transposeA && !$0.transposeB }, KernelPath.available)
    func prepackedProductEqualsThePackingOne(_ c: Case, path: KernelPath) {
        KernelPath.withCap(path) { Self.checkPrepackedProduct(c) }
    }

    static func checkPrepackedProduct(_ c: Case) {
        var generator = SeededGenerator(seed: UInt64(c.m * 7919 + c.n * 31 + c.k))
        func values(_ count: Int) -> [Float] { (0..<count).map { _ in generator.nextUnitFloat() - 0.5 } }
        let a = values(c.m * c.k), b = values(c.k * c.n), next = values(c.k * c.n), bias = values(c.n)
        let packedSize = ck_gemm_packed_b_size(c.n, c.k)
        var packed = [Float](repeating: .nan, count: max(1, 2 * packedSize))
        if packedSize > 0 {
            ck_gemm_pack_b(c.n, c.k, b, c.n, &packed)
            packed.withUnsafeMutableBufferPointer { ck_gemm_pack_b(c.n, c.k, next, c.n, $0.baseAddress! + packedSize) }
        }
        let path = ck_path_current(), accumulate: Int32 = c.accumulate ? 1 : 0
        // What C holds before: values the product is added to, or NaN, which a product that misses a value leaves.
        let before = c.accumulate ? values(c.m * c.n) : [Float](repeating: .nan, count: c.m * c.n)
        var expected = before, product = before
        bias.withUnsafeBufferPointer { biasValues in
            let bias = c.bias ? biasValues.baseAddress : nil
            ck_gemm(0, 0, c.m, c.n, c.k, a, c.k, b, c.n, &expected, c.n, accumulate, bias)
            ck_gemm_prepacked(c.m, c.n, c.k, a, c.k, b, c.n, packed, path, 0, &product, c.n, accumulate, bias)
            #expect(product == expected)
            guard packedSize > 0 else { return }
            var panelsOnly = before
            ck_gemm_prepacked(c.m, c.n, c.k, a, c.k, nil, c.n, packed, path, packedSize, &panelsOnly, c.n, accumulate, bias)
            // One or two rows stream a row-major B when there is one, summing in another order.
            func agrees(_ x: [Float], _ y: [Float]) -> Bool {
                c.m > 2 ? x == y : zip(x, y).allSatisfy { abs($0 - $1) <= Float(c.k) * 1e-7 + 1e-6 }
            }
            #expect(agrees(panelsOnly, expected))
            var expectedNext = before, nextProduct = before
            ck_gemm(0, 0, c.m, c.n, c.k, a, c.k, next, c.n, &expectedNext, c.n, accumulate, bias)
            packed.withUnsafeBufferPointer {
                ck_gemm_prepacked(c.m, c.n, c.k, a, c.k, nil, c.n, $0.baseAddress! + packedSize, path, 0, &nextProduct, c.n, accumulate, bias)
            }
            #expect(agrees(nextProduct, expectedNext))
        }
    }
}
