// Activations and elementwise kernels, compiled once per path (see variant_kernels.h).
// exp(x) for float: x = n ln2 + r with |r| <= ln2/2, a degree-6 polynomial for e^r, 2^n from the exponent
// bits. Written branch-free so loops over it vectorise (__builtin_elementwise_fma rather than fmaf, which may
// set errno and is then not vectorised); relative error about 2 ulp. NaN stays NaN (the clamps are written as
// comparisons, which NaN fails, not fminf/fmaxf, which drop it) and above 88 the result is infinity.
static inline float ck_expf(float x) {
    const float argument = x;
    x = x < -87.0f ? -87.0f : x;
    x = x > 88.0f ? 88.0f : x;
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
    // NaN has no exponent to build (and converting it to an integer is undefined): 0 stands in, p is NaN.
    const float whole = n == n ? n : 0.0f;
    union { int32_t i; float f; } scale = { .i = ((int32_t)whole + 127) << 23 };
    return argument > 88.0f ? INFINITY : p * scale.f;
}

static inline float ck_tanhf(float x) {
    float t = ck_expf(-2.0f * fabsf(x));
    return copysignf((1.0f - t) / (1.0f + t), x);
}

static inline float ck_sigmoidf(float x) { return 1.0f / (1.0f + ck_expf(-x)); }

static inline float row_maximum(const float *row, long width) {
    float maximum = row[0];
    for (long j = 1; j < width; j++) maximum = fmaxf(maximum, row[j]);
    return maximum;
}

static void softmax_rows(const float *x, float *y, long rows, long width) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * width;
        float *result = y + r * width;
        float maximum = row_maximum(row, width);
        float sum = 0;
        for (long j = 0; j < width; j++) {
            result[j] = ck_expf(row[j] - maximum);
            sum += result[j];
        }
        float scale = 1.0f / sum;
        for (long j = 0; j < width; j++) result[j] *= scale;
    }
}

// Keras 3's constants for selu.
#define CK_SELU_ALPHA 1.6732632423543772f
#define CK_SELU_SCALE 1.0507009873554805f

static inline float ck_softplusf(float x) { return x > 20.0f ? x : (x < -20.0f ? expf(x) : log1pf(expf(x))); }
// max(x, 0) and min(x, 6) that keep NaN, as Keras's relu and relu6 do (fmaxf and fminf would drop it).
static inline float ck_reluf(float x) { return x < 0.0f ? 0.0f : x; }
static inline float ck_relu6f(float x) { return x < 0.0f ? 0.0f : (x > 6.0f ? 6.0f : x); }
static inline float ck_hard_sigmoidf(float x) { return ck_relu6f(x + 3.0f) / 6.0f; }

/// x - log(sum(exp(x))) per row, with the row's maximum taken out first.
static void log_softmax_rows(const float *x, float *y, long rows, long width) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * width;
        float *result = y + r * width;
        float maximum = row_maximum(row, width);
        float sum = 0;
        for (long j = 0; j < width; j++) sum += expf(row[j] - maximum);
        float shift = maximum + logf(sum);
        for (long j = 0; j < width; j++) result[j] = row[j] - shift;
    }
}

// y may be x. Each loop reads x[i] before it writes y[i], so in place works as out of place does.
__attribute__((always_inline))
static inline void activation_loops(int kind, const float *x, float *y, long rows, long width) {
    const long n = rows * width;
    switch (kind) {
    case CK_RELU: for (long i = 0; i < n; i++) y[i] = ck_reluf(x[i]); break;
    case CK_TANH: for (long i = 0; i < n; i++) y[i] = ck_tanhf(x[i]); break;
    case CK_SIGMOID: for (long i = 0; i < n; i++) y[i] = ck_sigmoidf(x[i]); break;
    case CK_SOFTMAX: softmax_rows(x, y, rows, width); break;
    case CK_RELU6: for (long i = 0; i < n; i++) y[i] = ck_relu6f(x[i]); break;
    case CK_LEAKY_RELU: for (long i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : 0.2f * x[i]; break;
    case CK_ELU: for (long i = 0; i < n; i++) y[i] = x[i] > 0.0f ? x[i] : expm1f(x[i]); break;
    case CK_SELU:
        for (long i = 0; i < n; i++) y[i] = CK_SELU_SCALE * (x[i] > 0.0f ? x[i] : CK_SELU_ALPHA * expm1f(x[i]));
        break;
    case CK_GELU: for (long i = 0; i < n; i++) y[i] = 0.5f * x[i] * (1.0f + erff(x[i] * 0.70710678118654752f)); break;
    case CK_SILU: for (long i = 0; i < n; i++) y[i] = x[i] / (1.0f + expf(-x[i])); break;
    case CK_MISH: for (long i = 0; i < n; i++) y[i] = x[i] * tanhf(ck_softplusf(x[i])); break;
    case CK_SOFTPLUS: for (long i = 0; i < n; i++) y[i] = ck_softplusf(x[i]); break;
    case CK_SOFTSIGN: for (long i = 0; i < n; i++) y[i] = x[i] / (1.0f + fabsf(x[i])); break;
    case CK_HARD_SIGMOID: for (long i = 0; i < n; i++) y[i] = ck_hard_sigmoidf(x[i]); break;
    case CK_HARD_SIGMOID_KERAS2:
        // clip(0.2 x + 0.5, 0, 1) by comparisons, which keep NaN.
        for (long i = 0; i < n; i++) {
            float v = 0.2f * x[i] + 0.5f;
            y[i] = v < 0.0f ? 0.0f : (v > 1.0f ? 1.0f : v);
        }
        break;
    case CK_HARD_SILU: for (long i = 0; i < n; i++) y[i] = x[i] * ck_hard_sigmoidf(x[i]); break;
    case CK_EXPONENTIAL: for (long i = 0; i < n; i++) y[i] = expf(x[i]); break;
    case CK_LOG_SOFTMAX: log_softmax_rows(x, y, rows, width); break;
    default: if (y != x) memmove(y, x, (size_t)n * sizeof(float)); break;
    }
}

// input_grad may be grad, as in activation_loops.
__attribute__((always_inline))
static inline void activation_backward_loops(int kind, const float *grad, float *input_grad, const float *out,
                                             const float *in, long rows, long width) {
    long n = rows * width;
    switch (kind) {
    // The gradient is read whatever the condition: read only where it holds, it may become a masked load, slow
    // on AMD's Zen cores.
    case CK_RELU:
        for (long i = 0; i < n; i++) {
            const float g = grad[i];
            input_grad[i] = out[i] > 0.0f ? g : 0.0f;
        }
        break;
    case CK_TANH: for (long i = 0; i < n; i++) input_grad[i] = grad[i] * (1.0f - out[i] * out[i]); break;
    case CK_SIGMOID: for (long i = 0; i < n; i++) input_grad[i] = grad[i] * (out[i] * (1.0f - out[i])); break;
    case CK_SOFTMAX:
        for (long r = 0; r < rows; r++) {
            const float *g = grad + r * width, *o = out + r * width;
            float *d = input_grad + r * width;
            float dot = 0;
            for (long j = 0; j < width; j++) dot += g[j] * o[j];
            for (long j = 0; j < width; j++) d[j] = o[j] * (g[j] - dot);
        }
        break;
    case CK_RELU6:
        for (long i = 0; i < n; i++) {
            const float g = grad[i];
            input_grad[i] = out[i] > 0.0f && out[i] < 6.0f ? g : 0.0f;
        }
        break;
    case CK_LEAKY_RELU: for (long i = 0; i < n; i++) input_grad[i] = grad[i] * (out[i] > 0.0f ? 1.0f : 0.2f); break;
    case CK_ELU: for (long i = 0; i < n; i++) input_grad[i] = grad[i] * (out[i] > 0.0f ? 1.0f : out[i] + 1.0f); break;
    case CK_SELU:
        for (long i = 0; i < n; i++) {
            input_grad[i] = grad[i] * (out[i] > 0.0f ? CK_SELU_SCALE : out[i] + CK_SELU_SCALE * CK_SELU_ALPHA);
        }
        break;
    case CK_GELU:
        for (long i = 0; i < n; i++) {
            float x = in[i];
            float cdf = 0.5f * (1.0f + erff(x * 0.70710678118654752f));
            input_grad[i] = grad[i] * (cdf + x * 0.39894228040143268f * expf(-0.5f * x * x));
        }
        break;
    case CK_SILU:
        for (long i = 0; i < n; i++) {
            float s = 1.0f / (1.0f + expf(-in[i]));
            input_grad[i] = grad[i] * (s * (1.0f + in[i] * (1.0f - s)));
        }
        break;
    case CK_MISH:
        for (long i = 0; i < n; i++) {
            float t = tanhf(ck_softplusf(in[i])), s = 1.0f / (1.0f + expf(-in[i]));
            input_grad[i] = grad[i] * (t + in[i] * (1.0f - t * t) * s);
        }
        break;
    case CK_SOFTPLUS: for (long i = 0; i < n; i++) input_grad[i] = grad[i] * (-expm1f(-out[i])); break;
    case CK_SOFTSIGN:
        for (long i = 0; i < n; i++) {
            float d = 1.0f - fabsf(out[i]);
            input_grad[i] = grad[i] * (d * d);
        }
        break;
    case CK_HARD_SIGMOID:
        for (long i = 0; i < n; i++) input_grad[i] = out[i] > 0.0f && out[i] < 1.0f ? grad[i] / 6.0f : 0.0f;
        break;
    case CK_HARD_SIGMOID_KERAS2:
        for (long i = 0; i < n; i++) input_grad[i] = out[i] > 0.0f && out[i] < 1.0f ? grad[i] * 0.2f : 0.0f;
        break;
    case CK_HARD_SILU:
        for (long i = 0; i < n; i++) {
            float x = in[i];
            input_grad[i] = grad[i] * (ck_hard_sigmoidf(x) + (x > -3.0f && x < 3.0f ? x / 6.0f : 0.0f));
        }
        break;
    case CK_EXPONENTIAL: for (long i = 0; i < n; i++) input_grad[i] = grad[i] * out[i]; break;
    case CK_LOG_SOFTMAX:
        for (long r = 0; r < rows; r++) {
            const float *g = grad + r * width, *o = out + r * width;
            float *d = input_grad + r * width;
            float sum = 0;
            for (long j = 0; j < width; j++) sum += g[j];
            for (long j = 0; j < width; j++) d[j] = g[j] - expf(o[j]) * sum;
        }
        break;
    default: if (input_grad != grad) memmove(input_grad, grad, (size_t)n * sizeof(float)); break;
    }
}

// Each loop body twice: in place, the compiler sees a single array and vectorises; out of place, it
// vectorises behind a check that the arrays do not overlap, which an in-place call would fail, leaving it
// the scalar loop (tanh in place ran scalar, a third of LeNet-5's training step).
void CK_VARIANT(ck_activation)(int kind, const float *x, float *y, long rows, long width) {
    if (x == y) activation_loops(kind, y, y, rows, width);
    else activation_loops(kind, x, y, rows, width);
}

void CK_VARIANT(ck_activation_backward)(int kind, const float *grad, float *input_grad, const float *out, const float *in,
                                         long rows, long width) {
    if (grad == input_grad) activation_backward_loops(kind, input_grad, input_grad, out, in, rows, width);
    else activation_backward_loops(kind, grad, input_grad, out, in, rows, width);
}

// Rows narrower than 16 (a convolution's 6 filters) would leave a vector loop per row mostly idle: their
// values are summed instead as one flat array in blocks of lcm(width, 16) floats, whose lanes each follow one
// column, and the blocks' sums are folded into the columns at the end.
void CK_VARIANT(ck_column_sums)(float *db, const float *grad, long rows, long width, int accumulate) {
    if (!accumulate) memset(db, 0, (size_t)width * sizeof(float));
    long r = 0;
    if (width > 0 && width < 16) {
        long block = width;
        while (block % 16 != 0) block += width;
        float sums[240] = {0};  // block <= lcm(15, 16)
        const long blocks = rows * width / block;
        for (long b = 0; b < blocks; b++) {
            const float *g = grad + b * block;
            for (long i = 0; i < block; i++) sums[i] += g[i];
        }
        for (long i = 0; i < block; i++) db[i % width] += sums[i];
        r = blocks * block / width;
    }
    for (; r < rows; r++) {
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
