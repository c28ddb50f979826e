// One or two rows of C from a row-major B (a single image through a Dense layer), included by gemm.c once per
// instruction set with GEMM_TARGET, VEC_U, VLEN and GEMM_SUFFIX set as for gemm_tile.h: each k step adds a row
// of B, scaled by A's value, to a row of partial sums in `work`, so B streams front to back in long
// contiguous reads, once per row of C. On the Zen 3 machine VGG's 4096 x 1024 kernel took 1.2 ms this way
// against 2.3 ms in the 1 x 32 tiles' 128-byte strips. Sums in the tiles' order (a sum per k block, in k
// order, then the bias, then into C), but whether a multiply-add is fused is the compiler's choice in each
// kernel: the sanitizer build gave results a rounding apart from the tiles'.
#define STREAM_CAT2(a, b) a##b
#define STREAM_CAT(a, b) STREAM_CAT2(a, b)
#define STREAM_FN(name) STREAM_CAT(name, GEMM_SUFFIX)

__attribute__((target(GEMM_TARGET)))
static void STREAM_FN(gemm_stream)(int trans_a, int trans_b, long m, long n, long k, const float *a, long lda,
                                   const float *b, long ldb, float *c, long ldc, int accumulate, const float *bias,
                                   const float *prepacked, long following, float *work) {
    (void)trans_b;
    (void)prepacked;
    (void)following;
    const long ars = trans_a ? 1 : lda, acs = trans_a ? lda : 1, vectors = n / VLEN, depth = k_block_depth(k);
    for (long i = 0; i < m; i++) {
        const float *ai = a + i * ars;
        float *sums = work, *ci = c + i * ldc;
        for (long p0 = 0; p0 < k; p0 += depth) {
            const long kc = k - p0 < depth ? k - p0 : depth;
            for (long j = 0; j < n; j++) sums[j] = 0;
            long p = p0;
            for (; p + 4 <= p0 + kc; p += 4) {
                const float a0 = ai[p * acs], a1 = ai[(p + 1) * acs], a2 = ai[(p + 2) * acs], a3 = ai[(p + 3) * acs];
                const float *b0 = b + p * ldb, *b1 = b0 + ldb, *b2 = b1 + ldb, *b3 = b2 + ldb;
                for (long v = 0; v < vectors; v++) {
                    // B's rows two steps ahead, fetched as non-temporal: a large B read once per call (VGG's
                    // 16.8 MB Dense kernel) then evicts less of what the call reads again next time (the
                    // convolutions' transformed kernels): VGG's single image 1.18 -> 1.12 ms on AMD Zen 5.
                    __builtin_prefetch(b0 + 8 * ldb + VLEN * v, 0, 0);
                    __builtin_prefetch(b1 + 8 * ldb + VLEN * v, 0, 0);
                    __builtin_prefetch(b2 + 8 * ldb + VLEN * v, 0, 0);
                    __builtin_prefetch(b3 + 8 * ldb + VLEN * v, 0, 0);
                    VEC_U sum = *(VEC_U *)(sums + VLEN * v);
                    sum += a0 * *(const VEC_U *)(b0 + VLEN * v);
                    sum += a1 * *(const VEC_U *)(b1 + VLEN * v);
                    sum += a2 * *(const VEC_U *)(b2 + VLEN * v);
                    sum += a3 * *(const VEC_U *)(b3 + VLEN * v);
                    *(VEC_U *)(sums + VLEN * v) = sum;
                }
                for (long j = VLEN * vectors; j < n; j++) {
                    sums[j] += a0 * b0[j];
                    sums[j] += a1 * b1[j];
                    sums[j] += a2 * b2[j];
                    sums[j] += a3 * b3[j];
                }
            }
            for (; p < p0 + kc; p++) {
                const float ap = ai[p * acs], *bp = b + p * ldb;
                for (long j = 0; j < n; j++) sums[j] += ap * bp[j];
            }
            // The four cases apart: with the tests inside the loop, compilers make masked loads of bias and C.
            const float *row_bias = p0 + kc >= k ? bias : 0;
            if (accumulate || p0 > 0) {
                if (row_bias) for (long j = 0; j < n; j++) ci[j] += sums[j] + row_bias[j];
                else for (long j = 0; j < n; j++) ci[j] += sums[j];
            } else {
                if (row_bias) for (long j = 0; j < n; j++) ci[j] = sums[j] + row_bias[j];
                else for (long j = 0; j < n; j++) ci[j] = sums[j];
            }
        }
    }
}

// Floats of row sums STREAM_FN(gemm_stream) needs.
static long STREAM_FN(workspace_stream)(long m, long n, long k) {
    (void)m;
    (void)k;
    return n;
}

#undef STREAM_FN
#undef STREAM_CAT
#undef STREAM_CAT2
