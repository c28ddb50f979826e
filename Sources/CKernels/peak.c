#include "CKernels.h"
#include "path.h"
#include <time.h>

// Independent multiply-add chains per loop: keeping two FMA pipes busy through a latency of 4 to 5 cycles
// needs 8 to 10 chains in flight; 12 leaves a margin.
#define CHAINS 12

static double seconds_now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

// Keeps the loops' results alive, so the compiler cannot drop them.
static volatile float sink;

// Runs `rounds` x CHAINS vector multiply-adds of `vlen` floats and returns the seconds it took.
#define PEAK_LOOP(name, attributes, vlen)                                                              \
    attributes static double name(long rounds) {                                                      \
        typedef float vec __attribute__((vector_size(vlen * 4)));                                      \
        vec acc[CHAINS], scale = (vec){0} + 0.999999f, step = (vec){0} + 1e-7f;                       \
        for (int c = 0; c < CHAINS; c++) acc[c] = (vec){0} + (float)c;                                 \
        double started = seconds_now();                                                                \
        for (long r = 0; r < rounds; r++)                                                              \
            for (int c = 0; c < CHAINS; c++) acc[c] = acc[c] * scale + step;                           \
        double elapsed = seconds_now() - started;                                                      \
        for (int c = 1; c < CHAINS; c++) acc[0] += acc[c];                                             \
        sink = acc[0][0];                                                                              \
        return elapsed;                                                                                \
    }

#if CK_X86
PEAK_LOOP(peak_avx512, __attribute__((target(CK_AVX512_TARGET))), 16)
PEAK_LOOP(peak_avx2, __attribute__((target(CK_AVX2_TARGET))), 8)
#endif
PEAK_LOOP(peak_portable, , 4)

double ck_fma_peak_gflops(double seconds) {
    int lanes = 4;
    double (*loop)(long) = peak_portable;
#if CK_X86
    const int path = ck_path_current();
    if (path == CK_PATH_AVX512) { lanes = 16; loop = peak_avx512; }
    else if (path == CK_PATH_AVX2) { lanes = 8; loop = peak_avx2; }
#endif
    long rounds = 1 << 16;
    double elapsed = loop(rounds);
    while (elapsed < seconds / 4) {  // grow the round count until one run takes a quarter of the time
        rounds *= 2;
        elapsed = loop(rounds);
    }
    double best = elapsed;
    for (double spent = elapsed; spent < seconds;) {
        double again = loop(rounds);
        spent += again;
        if (again < best) best = again;
    }
    return (double)rounds * CHAINS * lanes * 2 / best / 1e9;
}
