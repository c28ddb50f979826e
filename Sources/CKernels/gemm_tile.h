// One GEMM implementation, included by gemm.c once per tile shape and instruction set, with:
//   GEMM_TARGET  the target attribute string (undefined on the portable path), GEMM_SUFFIX the suffix of the
//                generated names,
//   VEC / VEC_U  aligned and unaligned vector types (GCC/clang vector extensions), VLEN floats per vector,
//   MR, NV       tile rows and vectors per tile row: the C tile is MR x (NV * VLEN), held in registers,
//   PACK_POLICY  which operand is copied into contiguous panels (GEMM_PACK_A or GEMM_PACK_B below).
// Partial panels are always packed (zero-padded, so tiles never read past an operand), and so are A rows
// whose stride is a multiple of 4 KiB (rows that would evict each other from L1) and a transposed B.
// Otherwise, measured per instruction set:
//   GEMM_PACK_A  (AVX-512 on Zen 4) B is read in place; A is packed into MR-row panels when four or more
//                column panels reuse it.
//   GEMM_PACK_B  (AVX2 on Zen 3) A is read in place (its scalar broadcasts gain nothing from packing); B is
//                packed into NR-column panels when its rows are long and four or more row tiles reuse them.
#ifndef GEMM_PACK_A
#define GEMM_PACK_A 0
#define GEMM_PACK_B 1

// The depth of k blocks: equal ones of at most KC (784 = 4 x 196 rather than 3 x 256 + 16). FN(gemm) and
// FN(pack_b_all) must agree on it.
static inline long k_block_depth(long k) {
    long blocks = (k + KC - 1) / KC;
    return (k + blocks - 1) / blocks;
}
#endif

#define NR (NV * VLEN)
#ifdef GEMM_TARGET
#define TARGET __attribute__((target(GEMM_TARGET)))
#else
#define TARGET
#endif
#define CAT2(a, b) a##b
#define CAT(a, b) CAT2(a, b)
#define FN(name) CAT(name, GEMM_SUFFIX)

// Packs rows [i0, i0 + rows) x columns [p0, p0 + kc) of op(A) into an MR-row panel.
TARGET
static void FN(pack_a)(const float *a, long lda, int trans_a, long i0, long rows, long p0, long kc, float *out) {
    if (trans_a) {
        // op(A)(i, p) = A[p][i]: each k step's MR values are contiguous in A.
        for (long p = 0; p < kc; p++) {
            const float *src = a + (p0 + p) * lda + i0;
            float *dst = out + p * MR;
            long r = 0;
            for (; r < rows; r++) dst[r] = src[r];
            for (; r < MR; r++) dst[r] = 0;
        }
    } else {
        for (long r = 0; r < MR; r++) {
            if (r >= rows) {
                for (long p = 0; p < kc; p++) out[p * MR + r] = 0;
                continue;
            }
            const float *src = a + (i0 + r) * lda + p0;
            for (long p = 0; p < kc; p++) out[p * MR + r] = src[p];
        }
    }
}

// Packs rows [p0, p0 + kc) x columns [j0, j0 + NR) of op(B) into an NR-column panel.
TARGET
static void FN(pack_b)(const float *b, long ldb, int trans_b, long p0, long kc, long j0, long n, float *out) {
    long width = n - j0 < NR ? n - j0 : NR;
    if (!trans_b) {
        for (long p = 0; p < kc; p++) {
            const float *row = b + (p0 + p) * ldb + j0;
            float *dst = out + p * NR;
            long j = 0;
            for (; j < width; j++) dst[j] = row[j];
            for (; j < NR; j++) dst[j] = 0;
        }
    } else {
        for (long p = 0; p < kc; p++) for (long j = width; j < NR; j++) out[p * NR + j] = 0;
        for (long j = 0; j < width; j++) {
            const float *column = b + (j0 + j) * ldb + p0;
            for (long p = 0; p < kc; p++) out[p * NR + j] = column[p];
        }
    }
}

// Packs the whole NR-column panels [j0, j1) of a row-major B's rows [p0, p0 + kc) into out + j * kc * NR,
// one block row at a time: long contiguous reads instead of NR-wide strips at B's stride.
TARGET
static void FN(pack_b_block)(const float *b, long ldb, long p0, long kc, long j0, long j1, float *out) {
    for (long p = 0; p < kc; p++) {
        const float *row = b + (p0 + p) * ldb;
        for (long j = j0; j < j1; j++)
            for (int v = 0; v < NV; v++)
                *(VEC_U *)(out + j * kc * NR + p * NR + v * VLEN) = *(const VEC_U *)(row + j * NR + v * VLEN);
    }
}

// Packs all of a row-major B, k block after k block, as FN(gemm) reads it when given it as `prepacked`:
// block p0 (depth kc) starts at p0 * panels * NR, and its panel j at j * kc * NR within the block.
TARGET __attribute__((unused))
static void FN(pack_b_all)(long n, long k, const float *b, long ldb, float *out) {
    const long panels = (n + NR - 1) / NR, full = n / NR, depth = k_block_depth(k);
    for (long p0 = 0; p0 < k; p0 += depth) {
        long kc = k - p0 < depth ? k - p0 : depth;
        float *block = out + p0 * panels * NR;
        FN(pack_b_block)(b, ldb, p0, kc, 0, full, block);
        for (long j = full; j < panels; j++) FN(pack_b)(b, ldb, 0, p0, kc, j * NR, n, block + j * kc * NR);
    }
}

// C tile (rows x cols of it) = or += A tile x B panel; A element (r, p) is at a[r * ars + p * acs], the NR
// values of B's k step p at bp + p * bs (a packed panel, or B itself when it is row-major). When `ahead` is
// non-NULL, the `ahead_lines` cache lines from it are prefetched into L2, spread evenly over the k steps.
TARGET __attribute__((always_inline))
static inline void FN(tile)(long kc, const float *a, long ars, long acs, const float *bp, long bs, float *c, long ldc,
                            long rows, long cols, int accumulate, const float *bias, const float *ahead,
                            long ahead_lines) {
    VEC acc[MR][NV];
    CK_UNROLL for (int r = 0; r < MR; r++) CK_UNROLL for (int v = 0; v < NV; v++) acc[r][v] = (VEC){0};
    // Lines due by the end of each k step, in 1/65536ths of a line.
    const long lines_per_step = ahead ? (ahead_lines << 16) / kc + 1 : 0;
    long due = 0, fetched = 0;
    for (long p = 0; p < kc; p++) {
        if (ahead) {
            due += lines_per_step;
            for (; fetched < (due >> 16) && fetched < ahead_lines; fetched++)
                __builtin_prefetch(ahead + fetched * 16, 0, 2);
        }
        VEC bv[NV];
        CK_UNROLL for (int v = 0; v < NV; v++) bv[v] = *(const VEC_U *)(bp + p * bs + v * VLEN);
        const float *ap = a + p * acs;
        CK_UNROLL for (int r = 0; r < MR; r++) {
            float av = ap[r * ars];
            CK_UNROLL for (int v = 0; v < NV; v++) acc[r][v] += av * bv[v];
        }
    }
    if (bias) {
        // The bias of this panel's columns, zero-padded like the panel.
        // Scalar copies: vectorised, these few values become masked loads, which are slow on AMD's Zen cores.
        float padded[NR] = {0};
        _Pragma("clang loop vectorize(disable)") for (long j = 0; j < cols; j++) padded[j] = bias[j];
        CK_UNROLL for (int v = 0; v < NV; v++) {
            VEC bv = *(const VEC_U *)(padded + v * VLEN);
            CK_UNROLL for (int r = 0; r < MR; r++) acc[r][v] += bv;
        }
    }
    if (rows == MR && cols == NR) {
        CK_UNROLL for (int r = 0; r < MR; r++) CK_UNROLL for (int v = 0; v < NV; v++) {
            VEC_U *dst = (VEC_U *)(c + r * ldc + v * VLEN);
            *dst = accumulate ? *dst + acc[r][v] : acc[r][v];
        }
        return;
    }
    for (long r = 0; r < rows; r++) {
        float *row = c + r * ldc;
        for (int v = 0; v < NV; v++) {
            float lane[VLEN];
            *(VEC_U *)lane = acc[r][v];
            const long count = cols - v * VLEN < VLEN ? cols - v * VLEN : VLEN;
            if (accumulate) _Pragma("clang loop vectorize(disable)") for (long j = 0; j < count; j++) row[v * VLEN + j] += lane[j];
            else _Pragma("clang loop vectorize(disable)") for (long j = 0; j < count; j++) row[v * VLEN + j] = lane[j];
        }
    }
}

// C[m x n] (= or +=) op(A)[m x k] . op(B)[k x n] (+ bias per column), row-major; see ck_gemm. `work` holds
// packed panels: FN(workspace)(m, n, k) floats. A non-NULL `prepacked` is B (not transposed) already packed
// by FN(pack_b_all), followed in memory by `following` floats that the caller reads next: while the tiles
// multiply one block of panels, they prefetch as many floats beyond it, so that panels read from memory
// (rather than from L2, as the row tiles after the first read them) arrive ahead of the first row tile.
TARGET
static void FN(gemm)(int trans_a, int trans_b, long m, long n, long k, const float *a, long lda, const float *b,
                     long ldb, float *c, long ldc, int accumulate, const float *bias, const float *prepacked,
                     long following, float *work) {
    const long ars = trans_a ? 1 : lda, acs = trans_a ? lda : 1;
    const long panels = (n + NR - 1) / NR;
    const long kcmax = k < KC ? k : KC;
    const int pack_all = (PACK_POLICY == GEMM_PACK_A && panels >= 4) || (!trans_a && lda % 1024 == 0);
    const int direct_b = !trans_b && !(PACK_POLICY == GEMM_PACK_B && m >= 4 * MR && ldb >= 4 * NR);
    float *packed_b = work;
    float *packed_a = work + panels * NR * kcmax;
    const long depth = k_block_depth(k);
    for (long p0 = 0; p0 < k; p0 += depth) {
        long kc = k - p0 < depth ? k - p0 : depth;
        int acc = accumulate || p0 > 0;
        // Column blocks of NC keep the B panels a row tile passes over within L2.
        for (long j0 = 0; j0 < panels; j0 += NC / NR) {
            long j1 = j0 + NC / NR < panels ? j0 + NC / NR : panels;
            const long full = n / NR < j1 ? n / NR : j1;  // panels [j0, full) are NR wide
            const float *block_b = prepacked ? prepacked + p0 * panels * NR : packed_b;
            if (!prepacked) {
                if (!direct_b && !trans_b) FN(pack_b_block)(b, ldb, p0, kc, j0, full, packed_b);
                for (long j = j0; j < j1; j++) {
                    if (j >= full || trans_b) FN(pack_b)(b, ldb, trans_b, p0, kc, j * NR, n, packed_b + j * kc * NR);
                }
            }
            // The floats after this block's panels, up to as many as it holds, shared out between its tiles.
            const long block_end = p0 * panels * NR + j1 * kc * NR, stream_end = k * panels * NR + following;
            const long block_lines = prepacked ? (stream_end - block_end < (j1 - j0) * kc * NR
                                                      ? stream_end - block_end : (j1 - j0) * kc * NR) / 16 : 0;
            const long tile_count = (m + MR - 1) / MR * (j1 - j0);
            for (long i = 0; i < m; i += MR) {
                long rows = m - i < MR ? m - i : MR;
                const float *at = a + i * ars + p0 * acs;
                long tars = ars, tacs = acs;
                if (rows < MR || pack_all) {
                    FN(pack_a)(a, lda, trans_a, i, rows, p0, kc, packed_a);
                    at = packed_a;
                    tars = 1;
                    tacs = MR;
                }
                for (long j = j0; j < j1; j++) {
                    long cols = n - j * NR < NR ? n - j * NR : NR;
                    const float *panel_bias = bias && p0 + kc >= k ? bias + j * NR : 0;
                    // Separate calls, so that each is compiled with its own panel stride and prefetching.
                    if (direct_b && cols == NR && !prepacked) {
                        FN(tile)(kc, at, tars, tacs, b + p0 * ldb + j * NR, ldb, c + i * ldc + j * NR, ldc, rows, cols,
                                 acc, panel_bias, 0, 0);
                    } else if (block_lines > 0) {
                        const long index = i / MR * (j1 - j0) + j - j0;
                        const long first = block_lines * index / tile_count, last = block_lines * (index + 1) / tile_count;
                        FN(tile)(kc, at, tars, tacs, block_b + j * kc * NR, NR, c + i * ldc + j * NR, ldc, rows, cols,
                                 acc, panel_bias, prepacked + block_end + first * 16, last - first);
                    } else {
                        FN(tile)(kc, at, tars, tacs, block_b + j * kc * NR, NR, c + i * ldc + j * NR, ldc, rows, cols,
                                 acc, panel_bias, 0, 0);
                    }
                }
            }
        }
    }
}

// Floats of packed panels FN(gemm) needs.
static long FN(workspace)(long m, long n, long k) {
    (void)m;
    long kcmax = k < KC ? k : KC;
    return ((n + NR - 1) / NR) * NR * kcmax + MR * kcmax;
}

#undef NR
#undef TARGET
#undef FN
#undef CAT
#undef CAT2
