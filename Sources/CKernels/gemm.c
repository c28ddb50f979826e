#include "CKernels.h"
#include "path.h"
#include <pthread.h>
#include <stdlib.h>

// k block depth: an A tile (MR x KC) stays in L1 and the packed B panels of a block in L2.
#define KC 256
// Column block width: the packed B panels of one block (KC x NC floats) stay in L2 across a row of tiles.
#define NC 256

typedef float v16 __attribute__((vector_size(64), aligned(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));
typedef float v8 __attribute__((vector_size(32), aligned(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));
typedef float v4 __attribute__((vector_size(16), aligned(16)));
typedef float v4u __attribute__((vector_size(16), aligned(4)));

#if CK_X86
// AVX-512: 6 x 64 tiles in general (fewest broadcasts per FMA, measured fastest on Zen 4), 12 x 32 for
// outputs 17-32 wide and 24 x 16 for outputs at most 16 wide, so narrow layers waste few lanes.
#define GEMM_TARGET CK_AVX512_TARGET
#define PACK_POLICY GEMM_PACK_A
#define VLEN 16
#define VEC v16
#define VEC_U v16u
#define GEMM_SUFFIX _avx512_wide
#define MR 6
#define NV 4
#include "gemm_tile.h"
#undef GEMM_SUFFIX
#undef MR
#undef NV
#define GEMM_SUFFIX _avx512_medium
#define MR 12
#define NV 2
#include "gemm_tile.h"
#undef GEMM_SUFFIX
#undef MR
#undef NV
#define GEMM_SUFFIX _avx512_tall
#define MR 24
#define NV 1
#include "gemm_tile.h"
#undef GEMM_SUFFIX
#undef MR
#undef NV
// One or two rows (a single image): 1 x 64 tiles for a transposed B, instead of multiplying padding rows; a
// row-major B is streamed (gemm_stream.h; on Zen 5 MLP-3's single image took 0.07 ms so, 0.105 ms in tiles).
#define GEMM_SUFFIX _avx512_row
#define MR 1
#define NV 4
#include "gemm_tile.h"
#undef GEMM_SUFFIX
#undef MR
#undef NV
#define GEMM_SUFFIX _avx512
#include "gemm_stream.h"
#undef GEMM_SUFFIX
#undef VLEN
#undef VEC
#undef VEC_U
// At most 8 columns: 256-bit vectors (as fast per lane as 512-bit ones on Zen 4, and half of them idle less).
#define VLEN 8
#define VEC v8
#define VEC_U v8u
#define GEMM_SUFFIX _avx512_narrow
#define MR 24
#define NV 1
#include "gemm_tile.h"
#undef GEMM_SUFFIX
#undef MR
#undef NV
#undef GEMM_TARGET
#undef VLEN
#undef VEC
#undef VEC_U
#undef PACK_POLICY

// AVX2 with FMA: 6 x 16 tiles (12 accumulators of the 16 ymm registers), 12 x 8 for outputs at most 8
// wide, and 1 x 32 for one or two rows times a transposed B, which would otherwise multiply padding rows
// (one or two rows times a row-major B stream it instead: gemm_stream.h).
#define GEMM_TARGET CK_AVX2_TARGET
#define PACK_POLICY GEMM_PACK_B
#define VLEN 8
#define VEC v8
#define VEC_U v8u
#define GEMM_SUFFIX _avx2
#define MR 6
#define NV 2
#include "gemm_tile.h"
#undef GEMM_SUFFIX
#undef MR
#undef NV
#define GEMM_SUFFIX _avx2_narrow
#define MR 12
#define NV 1
#include "gemm_tile.h"
#undef GEMM_SUFFIX
#undef MR
#undef NV
#define GEMM_SUFFIX _avx2_row
#define MR 1
#define NV 4
#include "gemm_tile.h"
#undef GEMM_SUFFIX
#undef MR
#undef NV
#define GEMM_SUFFIX _avx2
#include "gemm_stream.h"
#undef GEMM_SUFFIX
#undef GEMM_TARGET
#undef VLEN
#undef VEC
#undef VEC_U
#undef PACK_POLICY
#endif

// The portable path: 128-bit vectors, which the baseline of every target has (SSE2 on x86-64, NEON on arm64).
#define PACK_POLICY GEMM_PACK_B
#define VLEN 4
#define VEC v4
#define VEC_U v4u
#define GEMM_SUFFIX _portable
#define MR 4
#define NV 2
#include "gemm_tile.h"

typedef void (*gemm_fn)(int, int, long, long, long, const float *, long, const float *, long, float *, long, int,
                        const float *, const float *, long, float *);
typedef long (*workspace_fn)(long, long, long);

// Per-thread scratch buffers that grow as needed and are freed when the thread exits (worker threads come
// and go with the dispatch pool).
enum { SCRATCH_PACKING, SCRATCH_TRANSPOSE, SCRATCH_SLOTS };
typedef struct { float *data; long size; } scratch_buffer;
static pthread_key_t scratch_key;
static pthread_once_t scratch_key_once = PTHREAD_ONCE_INIT;

static void free_scratch(void *buffers) {
    scratch_buffer *slots = buffers;
    for (int i = 0; i < SCRATCH_SLOTS; i++) free(slots[i].data);
    free(slots);
}

static void create_scratch_key(void) { pthread_key_create(&scratch_key, free_scratch); }

static float *thread_scratch(int slot, long count) {
    pthread_once(&scratch_key_once, create_scratch_key);
    scratch_buffer *slots = pthread_getspecific(scratch_key);
    if (!slots) {
        slots = calloc(SCRATCH_SLOTS, sizeof *slots);
        if (!slots || pthread_setspecific(scratch_key, slots) != 0) abort();
    }
    scratch_buffer *buffer = &slots[slot];
    if (count > buffer->size) {
        free(buffer->data);
        buffer->data = aligned_alloc(64, (size_t)((count * (long)sizeof(float) + 63) / 64 * 64));
        if (!buffer->data) abort();
        buffer->size = count;
    }
    return buffer->data;
}

// Floats of a k x n B packed for `path`'s kernels, or 0 when they read it in place: AVX-512's 6x64 tiles read
// packed panels for widths that are multiples of 64, AVX2's 6x16 ones for widths above 8 (gemm_dispatch).
static long packed_size(int path, long n, long k) {
    if (!CK_X86 || k <= 0) return 0;
    switch (path) {
    case CK_PATH_AVX512: return n % 64 == 0 ? n * k : 0;
    case CK_PATH_AVX2: return n > 8 ? (n + 15) / 16 * 16 * k : 0;
    default: return 0;
    }
}

// ck_gemm, with B also given packed by ck_gemm_pack_b when `prepacked` is non-NULL (B not transposed): the
// kernels whose panels it holds read it (AVX-512's 6x64 tiles, AVX2's 6x16), and when b is NULL they read it
// whatever the shape; `following` floats after it are prefetched (see gemm_tile.h). `path` picks the kernels:
// the calling thread's, or the one B was packed on.
static void gemm_dispatch(int path, int trans_a, int trans_b, long m, long n, long k, const float *a, long lda,
                          const float *b, long ldb, float *c, long ldc, int accumulate, const float *bias,
                          const float *prepacked, long following) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (long i = 0; i < m; i++) for (long j = 0; j < n; j++) {
            c[i * ldc + j] = (accumulate ? c[i * ldc + j] : 0) + (bias ? bias[j] : 0);
        }
        return;
    }
    if (trans_b && m < n && n * k > 65536) {
        // C = A.B^T with B much larger than A: compute C^T = B.A^T instead, which packs the smaller A,
        // and transpose the result into C.
        float *swap = thread_scratch(SCRATCH_TRANSPOSE, m * n);
        ck_gemm(0, !trans_a, n, m, k, b, ldb, a, lda, swap, m, 0, 0);
        for (long i = 0; i < m; i++) {
            float *row = c + i * ldc;
            for (long j = 0; j < n; j++) row[j] = (accumulate ? row[j] : 0) + swap[j * m + i] + (bias ? bias[j] : 0);
        }
        return;
    }
    gemm_fn fn = gemm_portable;
    workspace_fn size = workspace_portable;
    const float *packed = 0;
    if (!packed_size(path, n, k)) prepacked = 0;
#if CK_X86
    // One or two rows from a row-major B stream it (gemm_stream.h).
    const int stream = m <= 2 && n > 8 && !trans_b && b;
#endif
    switch (path) {
#if CK_X86
    case CK_PATH_AVX512: {
        // The tile shape that does the least padded work (rows and columns rounded up to whole tiles); on a
        // tie, the wider one. The 256-bit 24x8 tiles only for outputs at most 8 wide: on Zen 5, whose
        // 512-bit FMAs are full width, they multiply half as many values per instruction (LeNet-5's 150-wide
        // column gradient took 13 % of its training step on them). Packed panels are 64 wide, and only
        // made for widths that are multiples of 64, for which the 6x64 tiles are the least padded anyway.
        const long rows[] = {6, 12, 24, 24}, widths[] = {64, 32, 16, 8};
        const gemm_fn fns[] = {gemm_avx512_wide, gemm_avx512_medium, gemm_avx512_tall, gemm_avx512_narrow};
        const workspace_fn sizes[] = {workspace_avx512_wide, workspace_avx512_medium, workspace_avx512_tall,
                                      workspace_avx512_narrow};
        int best = 0;
        long best_work = 0;
        for (int t = 0; t < (n <= 8 ? 4 : 3); t++) {
            long work = (m + rows[t] - 1) / rows[t] * rows[t] * ((n + widths[t] - 1) / widths[t] * widths[t]);
            if (t == 0 || work < best_work) { best = t; best_work = work; }
        }
        fn = fns[best];
        size = sizes[best];
        if (stream) { fn = gemm_stream_avx512; size = workspace_stream_avx512; }
        else if (prepacked) { fn = gemm_avx512_wide; size = workspace_avx512_wide; packed = prepacked; }
        else if (m <= 2 && n > 8) { fn = gemm_avx512_row; size = workspace_avx512_row; }
        break;
    }
    case CK_PATH_AVX2:
        if (stream) { fn = gemm_stream_avx2; size = workspace_stream_avx2; }
        else if (prepacked) { fn = gemm_avx2; size = workspace_avx2; packed = prepacked; }
        else if (m <= 2 && n > 8) { fn = gemm_avx2_row; size = workspace_avx2_row; }
        else if (n <= 8) { fn = gemm_avx2_narrow; size = workspace_avx2_narrow; }
        else { fn = gemm_avx2; size = workspace_avx2; }
        break;
#endif
    default: break;
    }
    fn(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, packed, following,
       thread_scratch(SCRATCH_PACKING, size(m, n, k)));
}

void ck_gemm(int trans_a, int trans_b, long m, long n, long k, const float *a, long lda, const float *b, long ldb,
             float *c, long ldc, int accumulate, const float *bias) {
    gemm_dispatch(ck_path_current(), trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, 0, 0);
}

long ck_gemm_packed_b_size(long n, long k) { return packed_size(ck_path_current(), n, k); }

void ck_gemm_pack_b(long n, long k, const float *b, long ldb, float *packed) {
#if CK_X86
    if (ck_path_current() == CK_PATH_AVX512) pack_b_all_avx512_wide(n, k, b, ldb, packed);
    else pack_b_all_avx2(n, k, b, ldb, packed);
#else
    (void)n, (void)k, (void)b, (void)ldb, (void)packed;
#endif
}

void ck_gemm_prepacked(long m, long n, long k, const float *a, long lda, const float *b, long ldb, const float *packed,
                       int packed_path, long following, float *c, long ldc, int accumulate, const float *bias) {
    gemm_dispatch(packed ? packed_path : ck_path_current(), 0, 0, m, n, k, a, lda, b, ldb, c, ldc, accumulate, bias, packed,
                  following);
}

const char *ck_gemm_kernel_name(void) {
    switch (ck_path_current()) {
    case CK_PATH_AVX512: return "AVX-512 6x64, 12x32, 24x16 and 24x8 tiles, single rows streamed";
    case CK_PATH_AVX2: return "AVX2 6x16, 12x8 and 1x32 tiles, single rows streamed";
    default: return "portable 4x8 tiles";
    }
}
