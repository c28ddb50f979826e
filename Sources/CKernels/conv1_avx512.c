#include "path.h"
#if CK_X86
#include "conv1.h"

// The single-channel direct convolution for 512-bit vectors (32 registers): up to 8 filters vectorised along
// x (16 output columns at once, two output rows sharing each input load), 16/32/64 filters along the filters
// (four positions at once).

typedef float v16 __attribute__((vector_size(64), aligned(64)));
typedef float v16u __attribute__((vector_size(64), aligned(4)));

// Up to 8 filters: out[oy][ox][f] for 16 consecutive ox and two output rows per pass.
__attribute__((always_inline))
static inline void forward_narrow(const float *padded, long pw, const float *weights, const float *bias, float *out,
                                  long kh, long kw, long oh, long ow, long f) {
    float wpad[kh * kw * 8];
    for (long t = 0; t < kh * kw; t++) for (long j = 0; j < 8; j++) wpad[t * 8 + j] = j < f ? weights[t * f + j] : 0;
    for (long oy = 0; oy < oh; oy += 2) {
        const long rows = oh - oy < 2 ? oh - oy : 2;
        for (long ox0 = 0; ox0 < ow; ox0 += 16) {
            v16 acc[2][8];
            CK_UNROLL for (int r = 0; r < 2; r++) CK_UNROLL for (int j = 0; j < 8; j++) acc[r][j] = (v16){0};
            for (long iy = 0; iy < kh + 1; iy++) {
                const float *row = padded + (oy + iy) * pw + ox0;
                for (long kx = 0; kx < kw; kx++) {
                    v16 x = *(const v16u *)(row + kx);
                    if (iy < kh) {
                        const float *wt = wpad + (iy * kw + kx) * 8;
                        CK_UNROLL for (int j = 0; j < 8; j++) acc[0][j] += x * wt[j];
                    }
                    if (iy >= 1) {
                        const float *wt = wpad + ((iy - 1) * kw + kx) * 8;
                        CK_UNROLL for (int j = 0; j < 8; j++) acc[1][j] += x * wt[j];
                    }
                }
            }
            for (long r = 0; r < rows; r++) {
                float lanes[8][16];
                CK_UNROLL for (int j = 0; j < 8; j++) *(v16u *)lanes[j] = acc[r][j];
                float *dst = out + ((oy + r) * ow + ox0) * f;
                for (long x = 0; x < 16 && ox0 + x < ow; x++)
                    for (long j = 0; j < f; j++) dst[x * f + j] = lanes[j][x] + (bias ? bias[j] : 0);
            }
        }
    }
}

// 16, 32 or 64 filters (NV vectors): four positions of an output row per pass.
__attribute__((always_inline))
static inline void forward_wide(const float *padded, long pw, const float *weights, const float *bias, float *out,
                                long kh, long kw, long oh, long ow, const int nv) {
    const long f = nv * 16;
    for (long oy = 0; oy < oh; oy++) {
        for (long ox0 = 0; ox0 < ow; ox0 += 4) {
            v16 acc[4][4];
            CK_UNROLL for (int p = 0; p < 4; p++) CK_UNROLL for (int v = 0; v < nv; v++) acc[p][v] = bias ? *(const v16u *)(bias + v * 16) : (v16){0};
            for (long ky = 0; ky < kh; ky++) {
                const float *row = padded + (oy + ky) * pw + ox0;
                for (long kx = 0; kx < kw; kx++) {
                    const float *wt = weights + (ky * kw + kx) * f;
                    v16 wv[4];
                    CK_UNROLL for (int v = 0; v < nv; v++) wv[v] = *(const v16u *)(wt + v * 16);
                    CK_UNROLL for (int p = 0; p < 4; p++) {
                        float x = row[kx + p];
                        CK_UNROLL for (int v = 0; v < nv; v++) acc[p][v] += x * wv[v];
                    }
                }
            }
            for (long p = 0; p < 4 && ox0 + p < ow; p++)
                CK_UNROLL for (int v = 0; v < nv; v++) *(v16u *)(out + ((oy * ow) + ox0 + p) * f + v * 16) = acc[p][v];
        }
    }
}

__attribute__((target(CK_AVX512_TARGET)))
void ck_conv1_forward_avx512(const float *padded, const float *weights, const float *bias, float *out, long kh, long kw,
                             long oh, long ow, long f) {
    const long pw = ck_conv1_padded_width(kw, ow);
    if (f <= 8) forward_narrow(padded, pw, weights, bias, out, kh, kw, oh, ow, f);
    else if (f == 16) forward_wide(padded, pw, weights, bias, out, kh, kw, oh, ow, 1);
    else if (f == 32) forward_wide(padded, pw, weights, bias, out, kh, kw, oh, ow, 2);
    else forward_wide(padded, pw, weights, bias, out, kh, kw, oh, ow, 4);
}

// dW for up to 8 filters, from the output gradient laid out filter-major (`dzt`, see conv1.h): every kernel
// tap is a sum of products of shifted input rows and gradient rows, 16 columns at a time.
__attribute__((always_inline))
static inline void gradient_narrow(const float *padded, long pw, float *dw, long kh, long kw, long oh, long ow, long f,
                                   const float *dzt) {
    const long tw = ow + 16;
    for (long ky = 0; ky < kh; ky++) {
        for (long kx = 0; kx < kw; kx++) {
            v16 acc[8];
            CK_UNROLL for (int j = 0; j < 8; j++) acc[j] = (v16){0};
            for (long y = 0; y < oh; y++) {
                const float *row = padded + (y + ky) * pw + kx;
                for (long x0 = 0; x0 < ow; x0 += 16) {
                    v16 x = *(const v16u *)(row + x0);
                    CK_UNROLL for (int j = 0; j < 8; j++) {
                        if (j < f) acc[j] += x * *(const v16u *)(dzt + (j * oh + y) * tw + x0);
                    }
                }
            }
            for (long j = 0; j < f; j++) {
                float lanes[16];
                *(v16u *)lanes = acc[j];
                float sum = 0;
                CK_UNROLL for (int l = 0; l < 16; l++) sum += lanes[l];
                dw[(ky * kw + kx) * f + j] += sum;
            }
        }
    }
}

// dW for 16/32/64 filters: one kernel row (kw taps) at a time, each gradient row loaded once for all of them.
__attribute__((always_inline))
static inline void gradient_wide(const float *padded, long pw, const float *dz, float *dw, long kh, long kw,
                                 long oh, long ow, const int nv) {
    const long f = nv * 16;
    for (long ky = 0; ky < kh; ky++) {
        for (long kx0 = 0; kx0 < kw; kx0 += 3) {
            const long taps = kw - kx0 < 3 ? kw - kx0 : 3;
            v16 acc[3][4];
            CK_UNROLL for (int t = 0; t < 3; t++) CK_UNROLL for (int v = 0; v < nv; v++) acc[t][v] = (v16){0};
            for (long y = 0; y < oh; y++) {
                const float *row = padded + (y + ky) * pw + kx0;
                const float *g = dz + y * ow * f;
                for (long x = 0; x < ow; x++) {
                    v16 gv[4];
                    CK_UNROLL for (int v = 0; v < nv; v++) gv[v] = *(const v16u *)(g + x * f + v * 16);
                    CK_UNROLL for (int t = 0; t < 3; t++) {
                        float in = row[x + t];
                        CK_UNROLL for (int v = 0; v < nv; v++) acc[t][v] += in * gv[v];
                    }
                }
            }
            for (long t = 0; t < taps; t++)
                CK_UNROLL for (int v = 0; v < nv; v++) {
                    v16u *dst = (v16u *)(dw + (ky * kw + kx0 + t) * f + v * 16);
                    *dst = *dst + acc[t][v];
                }
        }
    }
}

__attribute__((target(CK_AVX512_TARGET)))
void ck_conv1_weight_gradient_avx512(const float *padded, const float *dz, float *dw, long kh, long kw, long oh, long ow,
                                     long f, float *work) {
    const long pw = ck_conv1_padded_width(kw, ow);
    if (f <= 8) gradient_narrow(padded, pw, dw, kh, kw, oh, ow, f, work);
    else if (f == 16) gradient_wide(padded, pw, dz, dw, kh, kw, oh, ow, 1);
    else if (f == 32) gradient_wide(padded, pw, dz, dw, kh, kw, oh, ow, 2);
    else gradient_wide(padded, pw, dz, dw, kh, kw, oh, ow, 4);
}

#endif
