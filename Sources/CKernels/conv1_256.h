// The single-channel direct convolution for 256-bit vectors and 16 registers, compiled for the AVX2 and the
// portable paths (see variant_kernels.h). Blocked so every accumulator stays in a register: up to 8 filters
// vectorised along x (8 output columns, one accumulator per filter), 16/32/64 filters in groups of 16 (two
// vectors) for six positions at once.

typedef float v8 __attribute__((vector_size(32), aligned(32)));
typedef float v8u __attribute__((vector_size(32), aligned(4)));

// Up to 8 filters (F, a constant once inlined): out[oy][ox][j] for 8 consecutive ox. Each weight is first
// spread over a whole vector, so the multiply-adds read it straight from memory.
__attribute__((always_inline))
static inline void forward_narrow(const float *padded, long pw, const float *weights, const float *bias, float *out,
                                  long kh, long kw, long oh, long ow, const int F) {
    v8 spread[kh * kw * F];
    for (long t = 0; t < kh * kw; t++)
        CK_UNROLL for (int j = 0; j < F; j++) spread[t * F + j] = (v8){0} + weights[t * F + j];
    for (long oy = 0; oy < oh; oy++) {
        for (long ox0 = 0; ox0 < ow; ox0 += 8) {
            v8 acc[8];
            CK_UNROLL for (int j = 0; j < F; j++) acc[j] = (v8){0};
            for (long ky = 0; ky < kh; ky++) {
                const float *row = padded + (oy + ky) * pw + ox0;
                const v8 *w = spread + ky * kw * F;
                for (long kx = 0; kx < kw; kx++) {
                    v8 x = *(const v8u *)(row + kx);
                    CK_UNROLL for (int j = 0; j < F; j++) acc[j] += x * w[kx * F + j];
                }
            }
            float lanes[8][8];
            CK_UNROLL for (int j = 0; j < F; j++) *(v8u *)lanes[j] = acc[j];
            float *dst = out + (oy * ow + ox0) * F;
            const long count = ow - ox0 < 8 ? ow - ox0 : 8;
            for (long x = 0; x < count; x++)
                CK_UNROLL for (int j = 0; j < F; j++) dst[x * F + j] = lanes[j][x] + (bias ? bias[j] : 0);
        }
    }
}

// 16, 32 or 64 filters: per group of 16, six positions of an output row per pass (12 accumulators).
__attribute__((always_inline))
static inline void forward_wide(const float *padded, long pw, const float *weights, const float *bias, float *out,
                                long kh, long kw, long oh, long ow, long f) {
    for (long g = 0; g < f; g += 16) {
        const v8 b0 = bias ? *(const v8u *)(bias + g) : (v8){0}, b1 = bias ? *(const v8u *)(bias + g + 8) : (v8){0};
        for (long oy = 0; oy < oh; oy++) {
            for (long ox0 = 0; ox0 < ow; ox0 += 6) {
                v8 acc[6][2];
                CK_UNROLL for (int p = 0; p < 6; p++) { acc[p][0] = b0; acc[p][1] = b1; }
                for (long ky = 0; ky < kh; ky++) {
                    const float *row = padded + (oy + ky) * pw + ox0;
                    for (long kx = 0; kx < kw; kx++) {
                        const float *wt = weights + (ky * kw + kx) * f + g;
                        const v8 w0 = *(const v8u *)wt, w1 = *(const v8u *)(wt + 8);
                        CK_UNROLL for (int p = 0; p < 6; p++) {
                            const float x = row[kx + p];
                            acc[p][0] += x * w0;
                            acc[p][1] += x * w1;
                        }
                    }
                }
                for (long p = 0; p < 6 && ox0 + p < ow; p++) {
                    float *dst = out + (oy * ow + ox0 + p) * f + g;
                    *(v8u *)dst = acc[p][0];
                    *(v8u *)(dst + 8) = acc[p][1];
                }
            }
        }
    }
}

void CK_VARIANT(ck_conv1_forward_256)(const float *padded, const float *weights, const float *bias, float *out, long kh, long kw,
                           long oh, long ow, long f) {
    const long pw = ck_conv1_padded_width(kw, ow);
    switch (f) {
    case 1: forward_narrow(padded, pw, weights, bias, out, kh, kw, oh, ow, 1); break;
    case 2: forward_narrow(padded, pw, weights, bias, out, kh, kw, oh, ow, 2); break;
    case 3: forward_narrow(padded, pw, weights, bias, out, kh, kw, oh, ow, 3); break;
    case 4: forward_narrow(padded, pw, weights, bias, out, kh, kw, oh, ow, 4); break;
    case 5: forward_narrow(padded, pw, weights, bias, out, kh, kw, oh, ow, 5); break;
    case 6: forward_narrow(padded, pw, weights, bias, out, kh, kw, oh, ow, 6); break;
    case 7: forward_narrow(padded, pw, weights, bias, out, kh, kw, oh, ow, 7); break;
    case 8: forward_narrow(padded, pw, weights, bias, out, kh, kw, oh, ow, 8); break;
    default: forward_wide(padded, pw, weights, bias, out, kh, kw, oh, ow, f); break;
    }
}

// dW for up to 8 filters, from the output gradient laid out filter-major (`dzt`, see conv1.h): every kernel
// tap is a sum of products of a shifted input row and the gradient rows, 8 columns at a time.
__attribute__((always_inline))
static inline void gradient_narrow(const float *padded, long pw, float *dw, long kh, long kw, long oh, long ow,
                                   const int F, const float *dzt) {
    const long tw = ow + 16;
    for (long ky = 0; ky < kh; ky++) {
        for (long kx = 0; kx < kw; kx++) {
            v8 acc[8];
            CK_UNROLL for (int j = 0; j < F; j++) acc[j] = (v8){0};
            for (long y = 0; y < oh; y++) {
                const float *row = padded + (y + ky) * pw + kx;
                for (long x0 = 0; x0 < ow; x0 += 8) {
                    const v8 x = *(const v8u *)(row + x0);
                    CK_UNROLL for (int j = 0; j < F; j++) acc[j] += x * *(const v8u *)(dzt + (j * oh + y) * tw + x0);
                }
            }
            CK_UNROLL for (int j = 0; j < F; j++) {
                float lanes[8];
                *(v8u *)lanes = acc[j];
                dw[(ky * kw + kx) * F + j] += lanes[0] + lanes[1] + lanes[2] + lanes[3] + lanes[4] + lanes[5] + lanes[6] + lanes[7];
            }
        }
    }
}

// dW for 16/32/64 filters: per group of 16, three taps of a kernel row at a time (6 accumulators), each
// gradient vector loaded once for all three.
__attribute__((always_inline))
static inline void gradient_wide(const float *padded, long pw, const float *dz, float *dw, long kh, long kw,
                                 long oh, long ow, long f) {
    for (long g = 0; g < f; g += 16) {
        for (long ky = 0; ky < kh; ky++) {
            for (long kx0 = 0; kx0 < kw; kx0 += 3) {
                const long taps = kw - kx0 < 3 ? kw - kx0 : 3;
                v8 acc[3][2];
                CK_UNROLL for (int t = 0; t < 3; t++) acc[t][0] = acc[t][1] = (v8){0};
                for (long y = 0; y < oh; y++) {
                    const float *row = padded + (y + ky) * pw + kx0;
                    const float *gradient = dz + y * ow * f + g;
                    for (long x = 0; x < ow; x++) {
                        const v8 g0 = *(const v8u *)(gradient + x * f), g1 = *(const v8u *)(gradient + x * f + 8);
                        CK_UNROLL for (int t = 0; t < 3; t++) {
                            const float in = row[x + t];
                            acc[t][0] += in * g0;
                            acc[t][1] += in * g1;
                        }
                    }
                }
                for (long t = 0; t < taps; t++) {
                    v8u *dst = (v8u *)(dw + (ky * kw + kx0 + t) * f + g);
                    dst[0] = dst[0] + acc[t][0];
                    dst[1] = dst[1] + acc[t][1];
                }
            }
        }
    }
}

void CK_VARIANT(ck_conv1_weight_gradient_256)(const float *padded, const float *dz, float *dw, long kh, long kw, long oh, long ow,
                                   long f, float *work) {
    const long pw = ck_conv1_padded_width(kw, ow);
    switch (f) {
    case 1: gradient_narrow(padded, pw, dw, kh, kw, oh, ow, 1, work); break;
    case 2: gradient_narrow(padded, pw, dw, kh, kw, oh, ow, 2, work); break;
    case 3: gradient_narrow(padded, pw, dw, kh, kw, oh, ow, 3, work); break;
    case 4: gradient_narrow(padded, pw, dw, kh, kw, oh, ow, 4, work); break;
    case 5: gradient_narrow(padded, pw, dw, kh, kw, oh, ow, 5, work); break;
    case 6: gradient_narrow(padded, pw, dw, kh, kw, oh, ow, 6, work); break;
    case 7: gradient_narrow(padded, pw, dw, kh, kw, oh, ow, 7, work); break;
    case 8: gradient_narrow(padded, pw, dw, kh, kw, oh, ow, 8, work); break;
    default: gradient_wide(padded, pw, dz, dw, kh, kw, oh, ow, f); break;
    }
}
