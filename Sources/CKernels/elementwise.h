// Activations and elementwise kernels, compiled once per path (see variant_kernels.h).
// exp(x) for float: x = n ln2 + r with |r| <= ln2/2, a degree-6 polynomial for e^r, 2^n from the exponent
// bits. Written branch-free so loops over it vectorise (__builtin_elementwise_fma rather than fmaf, which may
// set errno and is then not vectorised); relative error about 2 ulp.
static inline float ck_expf(float x) {
    x = fminf(fmaxf(x, -87.0f), 88.0f);
    float n = floorf(x * 1.44269504088896341f + 0.5f);
    float r = __builtin_elementwise_fma(n, -0.693359375f, x);
    r = __builtin_elementwise_fma(n, 2.12194440e-4f, r);
    float p = 1.9875691500e-4f;
    p = __builtin_elementwise_fma(p, r, 1.3981999507e-3f);
    p = __builtin_elementwise_fma(p, r, 8.3334519073e-3f);
    p = __builtin_elementwise_fma(p, r, 4.1665795894e-2f);
    p = __builtin_elementwise_fma(p, r, 1.6666665459e-1f);
    p = __builtin_elementwise_fma(p, r, 5.0000001201e-1f);
    p = __builtin_elementwise_fma(p, r * r, r) + 1.0f;
    union { int32_t i; float f; } scale = { .i = ((int32_t)n + 127) << 23 };
    return p * scale.f;
}

static inline float ck_tanhf(float x) {
    float t = ck_expf(-2.0f * fabsf(x));
    return copysignf((1.0f - t) / (1.0f + t), x);
}

static inline float ck_sigmoidf(float x) { return 1.0f / (1.0f + ck_expf(-x)); }

static void softmax_rows(float *x, long rows, long width) {
    for (long r = 0; r < rows; r++) {
        float *row = x + r * width;
        float maximum = row[0];
        for (long j = 1; j < width; j++) maximum = fmaxf(maximum, row[j]);
        float sum = 0;
        for (long j = 0; j < width; j++) {
            row[j] = ck_expf(row[j] - maximum);
            sum += row[j];
        }
        float scale = 1.0f / sum;
        for (long j = 0; j < width; j++) row[j] *= scale;
    }
}

void CK_VARIANT(ck_activation)(int kind, float *x, long rows, long width) {
    const long n = rows * width;
    switch (kind) {
    case CK_RELU: for (long i = 0; i < n; i++) x[i] = fmaxf(x[i], 0.0f); break;
    case CK_TANH: for (long i = 0; i < n; i++) x[i] = ck_tanhf(x[i]); break;
    case CK_SIGMOID: for (long i = 0; i < n; i++) x[i] = ck_sigmoidf(x[i]); break;
    case CK_SOFTMAX: softmax_rows(x, rows, width); break;
    default: break;
    }
}

void CK_VARIANT(ck_activation_backward)(int kind, float *grad, const float *out, long rows, long width) {
    long n = rows * width;
    switch (kind) {
    case CK_RELU: for (long i = 0; i < n; i++) grad[i] = out[i] > 0.0f ? grad[i] : 0.0f; break;
    case CK_TANH: for (long i = 0; i < n; i++) grad[i] *= 1.0f - out[i] * out[i]; break;
    case CK_SIGMOID: for (long i = 0; i < n; i++) grad[i] *= out[i] * (1.0f - out[i]); break;
    case CK_SOFTMAX:
        for (long r = 0; r < rows; r++) {
            float *g = grad + r * width;
            const float *o = out + r * width;
            float dot = 0;
            for (long j = 0; j < width; j++) dot += g[j] * o[j];
            for (long j = 0; j < width; j++) g[j] = o[j] * (g[j] - dot);
        }
        break;
    default: break;
    }
}

void CK_VARIANT(ck_column_sums)(float *db, const float *grad, long rows, long width, int accumulate) {
    if (!accumulate) memset(db, 0, (size_t)width * sizeof(float));
    for (long r = 0; r < rows; r++) {
        const float *g = grad + r * width;
        for (long j = 0; j < width; j++) db[j] += g[j];
    }
}

void CK_VARIANT(ck_multiply)(float *y, const float *a, const float *b, long n) {
    for (long i = 0; i < n; i++) y[i] = a[i] * b[i];
}

void CK_VARIANT(ck_add)(float *y, const float *x, long n) {
    for (long i = 0; i < n; i++) y[i] += x[i];
}

long CK_VARIANT(ck_count_nonfinite)(const float *x, long n) {
    // Finite floats have an exponent below all ones; comparing bit patterns vectorises where isfinite does not.
    long count = 0;
    for (long i = 0; i < n; i++) {
        union { float f; unsigned u; } bits = { .f = x[i] };
        count += (bits.u & 0x7f800000u) == 0x7f800000u;
    }
    return count;
}
