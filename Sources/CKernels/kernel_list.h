// The kernels compiled once per path (variant_*.c, bodies listed in variant_kernels.h) and chosen per call by
// dispatch.c: CK_PROCEDURE(name, parameters, arguments) for those that return nothing, CK_FUNCTION(type,
// name, parameters, arguments) for the others. A path's build is named with a suffix: ck_add_avx2.
CK_PROCEDURE(ck_activation, (int kind, const float *x, float *y, long rows, long width), (kind, x, y, rows, width))
CK_PROCEDURE(ck_activation_backward,
             (int kind, const float *grad, float *input_grad, const float *out, const float *in, long rows, long width),
             (kind, grad, input_grad, out, in, rows, width))
CK_PROCEDURE(ck_lstm_cell,
             (int gate_kind, int kind, float *gates, long width, const float *previous_carry, float *carry, float *activated,
              float *state, long rows, long units),
             (gate_kind, kind, gates, width, previous_carry, carry, activated, state, rows, units))
CK_PROCEDURE(ck_gru_cell,
             (int gate_kind, int kind, float *gates, const float *product, long width, const float *previous, float *kept,
              float *state, long rows, long units),
             (gate_kind, kind, gates, product, width, previous, kept, state, rows, units))
CK_PROCEDURE(ck_column_sums, (float *db, const float *grad, long rows, long width, int accumulate),
             (db, grad, rows, width, accumulate))
CK_PROCEDURE(ck_channel_moments, (const float *x, long rows, long channels, double *sums, double *squares),
             (x, rows, channels, sums, squares))
CK_PROCEDURE(ck_channel_gradient_moments,
             (const float *x, const float *grad, const float *mean, const float *inverse, long rows, long channels,
              double *sums, double *products),
             (x, grad, mean, inverse, rows, channels, sums, products))
CK_PROCEDURE(ck_channel_affine,
             (const float *x, float *y, long rows, long channels, const float *factor, const float *offset),
             (x, y, rows, channels, factor, offset))
CK_PROCEDURE(ck_batch_normalization_backward,
             (const float *x, const float *grad, float *input_grad, long rows, long channels, const float *mean,
              const float *inverse, const float *factor, const float *mean_grad, const float *mean_grad_product),
             (x, grad, input_grad, rows, channels, mean, inverse, factor, mean_grad, mean_grad_product))
CK_PROCEDURE(ck_multiply, (float *y, const float *a, const float *b, long n), (y, a, b, n))
CK_PROCEDURE(ck_add, (float *y, const float *x, long n), (y, x, n))
CK_FUNCTION(long, ck_count_nonfinite, (const float *x, long n), (x, n))
CK_PROCEDURE(ck_im2col, (const float *images, float *cols, const ck_window *window, long first, long count),
             (images, cols, window, first, count))
CK_PROCEDURE(ck_col2im, (const float *cols, float *images, const ck_window *window, long first, long count),
             (cols, images, window, first, count))
CK_PROCEDURE(ck_depthwise_forward,
             (const float *image, const float *kernel, const float *bias, float *out, const ck_window *window, long dm),
             (image, kernel, bias, out, window, dm))
CK_PROCEDURE(ck_depthwise_backward,
             (const float *image, const float *out_grad, const float *kernel, float *kernel_grad, float *input_grad,
              const ck_window *window, long dm),
             (image, out_grad, kernel, kernel_grad, input_grad, window, dm))
CK_PROCEDURE(ck_pool_forward,
             (int is_max, const float *image, float *out, int32_t *argmax, long h, long w, long c, long ph, long pw,
              long sh, long sw, long pad_top, long pad_left, long oh, long ow),
             (is_max, image, out, argmax, h, w, c, ph, pw, sh, sw, pad_top, pad_left, oh, ow))
CK_PROCEDURE(ck_pool_backward,
             (int is_max, const float *out_grad, float *input_grad, const int32_t *argmax, long h, long w, long c,
              long ph, long pw, long sh, long sw, long pad_top, long pad_left, long oh, long ow),
             (is_max, out_grad, input_grad, argmax, h, w, c, ph, pw, sh, sw, pad_top, pad_left, oh, ow))
CK_PROCEDURE(ck_transpose, (const float *src, float *dst, long rows, long cols), (src, dst, rows, cols))
CK_PROCEDURE(ck_adam_update,
             (float *w, float *g, const float *g2, const float *squares, float *m, float *v, float *vhat, long n, float alpha,
              float beta1, float beta2, float epsilon, float weight_decay, float lr),
             (w, g, g2, squares, m, v, vhat, n, alpha, beta1, beta2, epsilon, weight_decay, lr))
CK_PROCEDURE(ck_nadam_update,
             (float *w, float *g, const float *g2, const float *squares, float *m, float *v, long n, float lr, float beta1,
              float beta2, float epsilon, float u_t, float u_t1, float product_t, float product_t1, float beta2_power),
             (w, g, g2, squares, m, v, n, lr, beta1, beta2, epsilon, u_t, u_t1, product_t, product_t1, beta2_power))
CK_PROCEDURE(ck_rmsprop_update,
             (float *w, float *g, const float *g2, const float *squares, float *velocity, float *momentum_slot, float *average,
              long n, float lr, float rho, float momentum, float epsilon),
             (w, g, g2, squares, velocity, momentum_slot, average, n, lr, rho, momentum, epsilon))
CK_PROCEDURE(ck_sgd_update, (float *w, float *g, const float *g2, float *m, long n, float lr, float momentum, int nesterov),
             (w, g, g2, m, n, lr, momentum, nesterov))
CK_PROCEDURE(ck_conv1_forward_256,
             (const float *padded, const float *weights, const float *bias, float *out, long kh, long kw, long oh,
              long ow, long f),
             (padded, weights, bias, out, kh, kw, oh, ow, f))
CK_PROCEDURE(ck_conv1_weight_gradient_256,
             (const float *padded, const float *dz, float *dw, long kh, long kw, long oh, long ow, long f, float *work),
             (padded, dz, dw, kh, kw, oh, ow, f, work))
CK_PROCEDURE(ck_winograd_kernel, (long m, const float *w, float *u, long c, long f), (m, w, u, c, f))
CK_PROCEDURE(ck_winograd_kernel_gradient, (long m, const float *du, float *dw, long c, long f), (m, du, dw, c, f))
CK_PROCEDURE(ck_winograd_input,
             (long m, const float *images, float *v, long h, long w, long c, long pad_top, long pad_left, long tiles_h,
              long tiles_w, long first, long count),
             (m, images, v, h, w, c, pad_top, pad_left, tiles_h, tiles_w, first, count))
CK_PROCEDURE(ck_winograd_input_gradient,
             (long m, const float *dv, float *input_grad, long h, long w, long c, long pad_top, long pad_left,
              long tiles_h, long tiles_w, long first, long count),
             (m, dv, input_grad, h, w, c, pad_top, pad_left, tiles_h, tiles_w, first, count))
CK_PROCEDURE(ck_winograd_output,
             (long m, const float *products, float *out, const float *bias, long oh, long ow, long f, long tiles_h,
              long tiles_w, long first, long count),
             (m, products, out, bias, oh, ow, f, tiles_h, tiles_w, first, count))
CK_PROCEDURE(ck_winograd_output_gradient,
             (long m, const float *out_grad, float *dm, long oh, long ow, long f, long tiles_h, long tiles_w,
              long first, long count),
             (m, out_grad, dm, oh, ow, f, tiles_h, tiles_w, first, count))
