#include "CKernels.h"
#include "conv1.h"
#include "path.h"
#include <string.h>

// Direct convolution for layers with a single input channel (the first layer of every notebook model), where
// im2col would copy each pixel kh*kw times for a matrix product of depth kh*kw only. Up to 8 filters are
// vectorised along x, 16, 32 or 64 filters along the filters; the register blocking differs between 512-bit
// vectors (32 registers) and 256-bit ones (16 registers), so each instruction set has kernels of its own.

// Kernel windows up to this many taps (7 x 7); the kernels keep per-tap weights on the stack.
enum { MAX_TAPS = 49 };

int ck_conv1_supported(long sh, long sw, long kh, long kw, long f, long ow) {
    return sh == 1 && sw == 1 && ow >= 1 && kh * kw <= MAX_TAPS && (f <= 8 || f == 16 || f == 32 || f == 64);
}

long ck_conv1_scratch_size(long h, long w, long kh, long kw, long pad_top, long pad_left, long oh, long ow, long f) {
    (void)h; (void)w; (void)pad_top; (void)pad_left; (void)kh;
    // The padded image has one spare row (two output rows are computed per pass); then, for few filters,
    // the transposed output gradient.
    long rows = oh + kh;
    return rows * ck_conv1_padded_width(kw, ow) + 64 + (f <= 8 ? 8 * oh * (ow + 16) : 0);
}

// Copies one image into a zero-padded buffer: row y of the padded image holds input row y - pad_top.
static void pad_image(const float *image, long h, long w, long pad_top, long pad_left, long oh, long kh, float *padded,
                      long pw) {
    long rows = oh + kh;
    memset(padded, 0, (size_t)(rows * pw) * sizeof(float));
    for (long y = 0; y < h; y++) {
        long py = y + pad_top;
        if (py < 0 || py >= rows) continue;
        for (long x = 0; x < w; x++) {
            long px = x + pad_left;
            if (px >= 0 && px < pw) padded[py * pw + px] = image[y * w + x];
        }
    }
}

// The output gradient of up to 8 filters, filter-major for the weight-gradient kernels (see conv1.h).
static void transpose_gradient(const float *dz, long oh, long ow, long f, float *dzt) {
    const long tw = ow + 16;
    memset(dzt, 0, (size_t)(f * oh * tw) * sizeof(float));
    for (long y = 0; y < oh; y++)
        for (long x = 0; x < ow; x++)
            for (long j = 0; j < f; j++) dzt[(j * oh + y) * tw + x] = dz[(y * ow + x) * f + j];
}

void ck_conv1_forward(const float *image, long h, long w, const float *weights, const float *bias, float *out,
                      long kh, long kw, long pad_top, long pad_left, long oh, long ow, long f, float *scratch) {
    const long pw = ck_conv1_padded_width(kw, ow);
    pad_image(image, h, w, pad_top, pad_left, oh, kh, scratch, pw);
    // 512-bit kernels on the AVX-512 path; the 256-bit ones (AVX2 or portable build) otherwise.
#if CK_X86
    if (ck_path_current() == CK_PATH_AVX512) {
        ck_conv1_forward_avx512(scratch, weights, bias, out, kh, kw, oh, ow, f);
        return;
    }
#endif
    ck_conv1_forward_256(scratch, weights, bias, out, kh, kw, oh, ow, f);
}

void ck_conv1_weight_gradient(const float *image, long h, long w, const float *dz, float *dw, long kh, long kw,
                              long pad_top, long pad_left, long oh, long ow, long f, float *scratch) {
    const long pw = ck_conv1_padded_width(kw, ow);
    pad_image(image, h, w, pad_top, pad_left, oh, kh, scratch, pw);
    float *work = scratch + (oh + kh) * pw + 64;
    if (f <= 8) transpose_gradient(dz, oh, ow, f, work);
#if CK_X86
    if (ck_path_current() == CK_PATH_AVX512) {
        ck_conv1_weight_gradient_avx512(scratch, dz, dw, kh, kw, oh, ow, f, work);
        return;
    }
#endif
    ck_conv1_weight_gradient_256(scratch, dz, dw, kh, kw, oh, ow, f, work);
}
