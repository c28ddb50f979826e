#include "CKernels.h"
#include <math.h>

#define CK_CLONES __attribute__((target_clones("avx512f", "arch=haswell", "default")))

CK_CLONES
void ck_adam_update(float *w, const float *g, float *m, float *v, long n, float alpha, float beta1, float beta2,
                    float epsilon) {
    const float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
    for (long i = 0; i < n; i++) {
        float gi = g[i];
        m[i] += (gi - m[i]) * one_minus_beta1;
        v[i] += (gi * gi - v[i]) * one_minus_beta2;
        w[i] -= alpha * m[i] / (sqrtf(v[i]) + epsilon);
    }
}

CK_CLONES
void ck_sgd_update(float *w, const float *g, float *m, long n, float lr, float momentum, int nesterov) {
    if (momentum == 0.0f || m == 0) {
        for (long i = 0; i < n; i++) w[i] -= lr * g[i];
        return;
    }
    for (long i = 0; i < n; i++) {
        m[i] = momentum * m[i] - lr * g[i];
        w[i] += nesterov ? momentum * m[i] - lr * g[i] : m[i];
    }
}
