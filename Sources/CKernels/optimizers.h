// Optimizer steps, compiled once per path (see variant_kernels.h). __builtin_elementwise_sqrt rather than
// sqrtf, which may set errno and so is not vectorised.
void CK_VARIANT(ck_adam_update)(float *w, float *g, const float *g2, float *m, float *v, long n, float alpha, float beta1,
                    float beta2, float epsilon) {
    const float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
#define ADAM_STEP(gi)                                              \
    m[i] += ((gi) - m[i]) * one_minus_beta1;                       \
    v[i] += ((gi) * (gi) - v[i]) * one_minus_beta2;                \
    w[i] -= alpha * m[i] / (__builtin_elementwise_sqrt(v[i]) + epsilon);
    // Two loops rather than a test per element, so each one vectorises.
    if (g2) {
        for (long i = 0; i < n; i++) {
            float gi = g[i] + g2[i];
            g[i] = gi;
            ADAM_STEP(gi)
        }
    } else {
        for (long i = 0; i < n; i++) { ADAM_STEP(g[i]) }
    }
#undef ADAM_STEP
}

void CK_VARIANT(ck_sgd_update)(float *w, float *g, const float *g2, float *m, long n, float lr, float momentum, int nesterov) {
    if (g2) for (long i = 0; i < n; i++) g[i] += g2[i];
    if (momentum == 0.0f || m == 0) {
        for (long i = 0; i < n; i++) w[i] -= lr * g[i];
        return;
    }
    for (long i = 0; i < n; i++) {
        m[i] = momentum * m[i] - lr * g[i];
        w[i] += nesterov ? momentum * m[i] - lr * g[i] : m[i];
    }
}
