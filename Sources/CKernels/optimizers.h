// Optimizer steps, compiled once per path (see variant_kernels.h). __builtin_elementwise_sqrt rather than
// sqrtf, which may set errno and so is not vectorised.
// Adds another worker's part of the gradient into g, if there is one.
static inline void CK_VARIANT(ck_gradient_sum)(float *g, const float *g2, long n) {
    if (g2) for (long i = 0; i < n; i++) g[i] += g2[i];
}

void CK_VARIANT(ck_adam_update)(float *w, float *g, const float *g2, const float *squares, float *m, float *v, float *vhat,
                                long n, float alpha, float beta1, float beta2, float epsilon, float weight_decay, float lr) {
    const float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
    if (weight_decay != 0.0f) for (long i = 0; i < n; i++) w[i] -= w[i] * weight_decay * lr;
    if (squares) {  // an Embedding's table: the lookups' squares in v, one loop with vhat and one without
        CK_VARIANT(ck_gradient_sum)(g, g2, n);
        for (long i = 0; i < n; i++) {
            m[i] += (g[i] - m[i]) * one_minus_beta1;
            v[i] += (squares[i] - v[i]) * one_minus_beta2;
        }
        if (vhat) {
            for (long i = 0; i < n; i++) {
                vhat[i] = vhat[i] > v[i] ? vhat[i] : v[i];
                w[i] -= alpha * m[i] / (__builtin_elementwise_sqrt(vhat[i]) + epsilon);
            }
        } else {
            for (long i = 0; i < n; i++) w[i] -= alpha * m[i] / (__builtin_elementwise_sqrt(v[i]) + epsilon);
        }
        return;
    }
#define ADAM_MOMENTS(gi)                                           \
    m[i] += ((gi) - m[i]) * one_minus_beta1;                       \
    v[i] += ((gi) * (gi) - v[i]) * one_minus_beta2;
    // Separate loops rather than a test per element, so each one vectorises.
    if (vhat) {
        CK_VARIANT(ck_gradient_sum)(g, g2, n);
        for (long i = 0; i < n; i++) {
            ADAM_MOMENTS(g[i])
            vhat[i] = vhat[i] > v[i] ? vhat[i] : v[i];
            w[i] -= alpha * m[i] / (__builtin_elementwise_sqrt(vhat[i]) + epsilon);
        }
    } else if (g2) {
        for (long i = 0; i < n; i++) {
            float gi = g[i] + g2[i];
            g[i] = gi;
            ADAM_MOMENTS(gi)
            w[i] -= alpha * m[i] / (__builtin_elementwise_sqrt(v[i]) + epsilon);
        }
    } else {
        for (long i = 0; i < n; i++) {
            ADAM_MOMENTS(g[i])
            w[i] -= alpha * m[i] / (__builtin_elementwise_sqrt(v[i]) + epsilon);
        }
    }
#undef ADAM_MOMENTS
}

void CK_VARIANT(ck_nadam_update)(float *w, float *g, const float *g2, const float *squares, float *m, float *v, long n,
                                 float lr, float beta1, float beta2, float epsilon, float u_t, float u_t1, float product_t,
                                 float product_t1, float beta2_power) {
    CK_VARIANT(ck_gradient_sum)(g, g2, n);
    const float one_minus_beta1 = 1.0f - beta1, one_minus_beta2 = 1.0f - beta2;
    const float next_share = 1.0f - product_t1, this_share = 1.0f - product_t, fresh = 1.0f - u_t;
    const float velocity_share = 1.0f - beta2_power;
    // Where there are no lookup squares, the gradient's own: g is summed above, so it may stand in for them.
    const float *second = squares ? squares : g;
    const int squared = squares == 0;
    for (long i = 0; i < n; i++) {
        m[i] += (g[i] - m[i]) * one_minus_beta1;
        const float value = second[i];  // read whatever `squared` says: a conditional read becomes a masked load
        v[i] += ((squared ? value * value : value) - v[i]) * one_minus_beta2;
        float m_hat = u_t1 * m[i] / next_share + fresh * g[i] / this_share;
        float v_hat = v[i] / velocity_share;
        w[i] -= m_hat * lr / (__builtin_elementwise_sqrt(v_hat) + epsilon);
    }
}

// One RMSprop step over n values, specialised by the callers below for centred and momentum (left inside
// the loop, the NULL pointers become masked loads from address 0, which AMD's Zen cores serve very slowly).
__attribute__((always_inline))
static inline void CK_VARIANT(rmsprop_loop)(float *w, const float *g, const float *second, int squared, float *velocity,
                                            float *momentum_slot, float *average, long n, float lr, float rho, float momentum,
                                            float epsilon, const int centred, const int with_momentum) {
    const float one_minus_rho = 1.0f - rho;
    for (long i = 0; i < n; i++) {
        const float value = second[i];  // read whatever `squared` says, as in Nadam's loop
        velocity[i] = rho * velocity[i] + one_minus_rho * (squared ? value * value : value);
        float denominator = velocity[i] + epsilon;
        if (centred) {
            average[i] = rho * average[i] + one_minus_rho * g[i];
            denominator = velocity[i] - average[i] * average[i] + epsilon;
        }
        float increment = lr * g[i] / __builtin_elementwise_sqrt(denominator);
        if (with_momentum) {
            momentum_slot[i] = momentum * momentum_slot[i] + increment;
            w[i] -= momentum_slot[i];
        } else {
            w[i] -= increment;
        }
    }
}

void CK_VARIANT(ck_rmsprop_update)(float *w, float *g, const float *g2, const float *squares, float *velocity, float *momentum_slot,
                                   float *average, long n, float lr, float rho, float momentum, float epsilon) {
    CK_VARIANT(ck_gradient_sum)(g, g2, n);
    // The velocity takes the lookup squares where there are some, else the square of the (summed) gradient.
    const float *s = squares ? squares : g;
    const int q = squares == 0;
    if (average && momentum_slot) CK_VARIANT(rmsprop_loop)(w, g, s, q, velocity, momentum_slot, average, n, lr, rho, momentum, epsilon, 1, 1);
    else if (average) CK_VARIANT(rmsprop_loop)(w, g, s, q, velocity, momentum_slot, average, n, lr, rho, momentum, epsilon, 1, 0);
    else if (momentum_slot) CK_VARIANT(rmsprop_loop)(w, g, s, q, velocity, momentum_slot, average, n, lr, rho, momentum, epsilon, 0, 1);
    else CK_VARIANT(rmsprop_loop)(w, g, s, q, velocity, momentum_slot, average, n, lr, rho, momentum, epsilon, 0, 0);
}

void CK_VARIANT(ck_sgd_update)(float *w, float *g, const float *g2, float *m, long n, float lr, float momentum, int nesterov) {
    CK_VARIANT(ck_gradient_sum)(g, g2, n);
    if (momentum == 0.0f || m == 0) {
        for (long i = 0; i < n; i++) w[i] -= lr * g[i];
        return;
    }
    for (long i = 0; i < n; i++) {
        m[i] = momentum * m[i] - lr * g[i];
        w[i] += nesterov ? momentum * m[i] - lr * g[i] : m[i];
    }
}
