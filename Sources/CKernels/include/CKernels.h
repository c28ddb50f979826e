// Kernels for NeuralNet, in C so that clang vectorises them. Each is compiled for several instruction-set
// paths (portable, AVX2, AVX-512 on x86-64) and every call takes the widest path the processor has, unless
// capped by $KERAS_SWIFT_SIMD (portable, avx2 or avx512) or, for the calling thread only, ck_path_cap_thread.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The kernels' instruction-set paths, from the baseline up.
enum {
    CK_PATH_PORTABLE = 0,
    CK_PATH_AVX2 = 1,
    CK_PATH_AVX512 = 2,
};

/// The widest path this processor runs.
int ck_path_supported(void);

/// The path calls from this thread take: the widest supported, capped by $KERAS_SWIFT_SIMD and the thread's cap.
int ck_path_current(void);

/// The cap $KERAS_SWIFT_SIMD sets: a path, -1 when it is unset or empty, -2 when it names no path.
int ck_path_environment_cap(void);

/// Caps the path of kernels called from the calling thread only (-1: no cap); returns the previous cap.
int ck_path_cap_thread(int path);

/// The path a setting names (`portable`, `avx2`, `avx512`), or -2.
int ck_path_named(const char *name);

/// A path's name for people: `portable`, `AVX2`, `AVX-512`.
const char *ck_path_name(int path);

/// A path's name as $KERAS_SWIFT_SIMD spells it: `portable`, `avx2`, `avx512`.
const char *ck_path_setting(int path);

/// Activation kinds, in the order of NeuralNet's Activation enum.
enum {
    CK_LINEAR = 0,
    CK_RELU = 1,
    CK_TANH = 2,
    CK_SIGMOID = 3,
    CK_SOFTMAX = 4,
    CK_RELU6 = 5,
    CK_LEAKY_RELU = 6,
    CK_ELU = 7,
    CK_SELU = 8,
    CK_GELU = 9,
    CK_SILU = 10,
    CK_MISH = 11,
    CK_SOFTPLUS = 12,
    CK_SOFTSIGN = 13,
    CK_HARD_SIGMOID = 14,
    CK_HARD_SILU = 15,
    CK_EXPONENTIAL = 16,
    CK_LOG_SOFTMAX = 17,
    CK_HARD_SIGMOID_KERAS2 = 18,
};

/// y = activation(x) on `rows` rows of `width` values (softmax and log_softmax work per row; linear copies);
/// y may be x.
void ck_activation(int kind, const float *x, float *y, long rows, long width);

/// input_grad = grad * activation'(.), through the activation's output `out`, or its input `in` for gelu,
/// silu, mish and hard_silu, whose derivatives do not follow from their output (`in` may be NULL for the
/// others); input_grad may be grad.
void ck_activation_backward(int kind, const float *grad, float *input_grad, const float *out, const float *in, long rows,
                            long width);

/// One LSTM step after its gate products: activates `rows` rows of gate pre-activations in place (`gates`,
/// rows `width` apart, Keras's order input, forget, candidate, output of `units` each; `gate_kind` for the
/// three gates, `kind` for the candidate), then writes carry = forget * previous_carry + input * candidate,
/// activated = kind(carry) and state = output * activated, each `rows` rows of `units`.
void ck_lstm_cell(int gate_kind, int kind, float *gates, long width, const float *previous_carry, float *carry,
                  float *activated, float *state, long rows, long units);

/// One GRU step with reset_after, after the recurrent product: `gates` (input side, rows `width` apart, Keras's
/// order update, reset, candidate of `units` each) takes `product` (the previous state's product with the
/// recurrent kernel, plus its bias) for the two gates, activated by `gate_kind`; the candidate's product goes
/// to `kept`, times the reset gate onto the candidate, activated by `kind`; then state = update * previous +
/// (1 - update) * candidate, each `rows` rows of `units`.
void ck_gru_cell(int gate_kind, int kind, float *gates, const float *product, long width, const float *previous, float *kept,
                 float *state, long rows, long units);

/// db[j] (+)= sum over rows of grad[r][j]; overwrites when `accumulate` is 0.
void ck_column_sums(float *db, const float *grad, long rows, long width, int accumulate);

/// Per channel of `rows` rows of `channels` values: sums[c] += x[r][c] and squares[c] += x[r][c]^2, added in
/// double precision (BatchNormalization's batch mean and variance).
void ck_channel_moments(const float *x, long rows, long channels, double *sums, double *squares);

/// Per channel of `rows` rows of `channels` values, with x̂ = (x[r][c] - mean[c]) * inverse[c] in float:
/// sums[c] += grad[r][c] and products[c] += grad[r][c] * x̂, added in double precision (BatchNormalization's
/// backward statistics).
void ck_channel_gradient_moments(const float *x, const float *grad, const float *mean, const float *inverse, long rows,
                                 long channels, double *sums, double *products);

/// y[r][c] = x[r][c] * factor[c] + offset[c] on `rows` rows of `channels` values (BatchNormalization's
/// forward pass).
void ck_channel_affine(const float *x, float *y, long rows, long channels, const float *factor, const float *offset);

/// BatchNormalization's input gradient over `rows` rows of `channels` values, from the batch's per-channel
/// figures: input_grad = factor * (grad - mean_grad - x̂ * mean_grad_product), x̂ = (x - mean) * inverse.
void ck_batch_normalization_backward(const float *x, const float *grad, float *input_grad, long rows, long channels,
                                     const float *mean, const float *inverse, const float *factor,
                                     const float *mean_grad, const float *mean_grad_product);

/// Where a convolution's windows lie over NHWC images: the image (h, w, c); the kernel (kh, kw), its strides
/// (sh, sw) and dilation (dh, dw); the padding before the first row and column; the output (oh, ow); and the
/// channels [c0, c0 + cg) that one group of a grouped convolution reads (0 and c without groups).
typedef struct {
    long h, w, c, kh, kw, sh, sw, dh, dw, pad_top, pad_left, oh, ow, c0, cg;
} ck_window;

/// Rows [first, first + count) of the column matrix of a batch of images: row r is the receptive field
/// (kh*kw*cg values in (ky, kx, channel) order, zero outside the image) of output position r % (oh*ow) of
/// image r / (oh*ow). `cols` needs room for 16 floats past its count * kh*kw*cg values (copies move whole
/// vectors).
void ck_im2col(const float *images, float *cols, const ck_window *window, long first, long count);

/// The adjoint of ck_im2col for the same rows: adds every column value back onto the image position it came
/// from (the caller zeroes the images first).
void ck_col2im(const float *cols, float *images, const ck_window *window, long first, long count);

/// A depthwise convolution of one image (Keras's DepthwiseConv2D/1D): output channel c·dm + m sums
/// kernel[ky, kx, c, m] · image[iy, ix, c] over the window's taps, plus bias[c·dm + m] (none when NULL).
/// `window` gives the geometry (its c0 and cg are not used).
void ck_depthwise_forward(const float *image, const float *kernel, const float *bias, float *out, const ck_window *window,
                          long dm);

/// The depthwise convolution's backward pass for one image: adds d(loss)/d(kernel) into `kernel_grad` and,
/// when `input_grad` is not NULL, adds d(loss)/d(image) into it (the caller zeroes it first).
void ck_depthwise_backward(const float *image, const float *out_grad, const float *kernel, float *kernel_grad,
                           float *input_grad, const ck_window *window, long dm);

/// Max or average pooling of one NHWC image; `argmax` (max only) receives each output's input offset.
void ck_pool_forward(int is_max, const float *image, float *out, int32_t *argmax, long h, long w, long c,
                     long ph, long pw, long sh, long sw, long pad_top, long pad_left, long oh, long ow);

/// Pooling gradient of one image: input_grad = 0, then each output gradient routed back.
void ck_pool_backward(int is_max, const float *out_grad, float *input_grad, const int32_t *argmax,
                      long h, long w, long c, long ph, long pw, long sh, long sw, long pad_top, long pad_left,
                      long oh, long ow);

/// True when the single-input-channel direct convolution handles this shape: stride 1, a window of at most
/// 49 taps (7 x 7), and at most 8, or exactly 16, 32 or 64 filters.
int ck_conv1_supported(long sh, long sw, long kh, long kw, long f, long ow);

/// Floats of scratch memory ck_conv1_forward and ck_conv1_weight_gradient need per image.
long ck_conv1_scratch_size(long h, long w, long kh, long kw, long pad_top, long pad_left, long oh, long ow, long f);

/// One image (h x w, one channel) convolved with kh x kw x 1 x f weights into out (oh x ow x f, NHWC), plus
/// bias when non-NULL; pad_top/pad_left zeros before the image (same padding), valid otherwise.
void ck_conv1_forward(const float *image, long h, long w, const float *weights, const float *bias, float *out,
                      long kh, long kw, long pad_top, long pad_left, long oh, long ow, long f, float *scratch);

/// dw (kh x kw x 1 x f) += the weight gradient of one image given the output gradient dz (oh x ow x f).
void ck_conv1_weight_gradient(const float *image, long h, long w, const float *dz, float *dw, long kh, long kw,
                              long pad_top, long pad_left, long oh, long ow, long f, float *scratch);

/// Winograd's F(m x m, 3 x 3) for 3x3 stride-1 convolutions (winograd.h), m = 4 or 2: a transformed kernel or
/// tile set is a^2 matrices (a = m + 2), one per point of an a x a tile. Tiles are numbered over the batch
/// (image, tile row, tile column), tile (row, column) covering outputs from m x (row, column) and reading
/// inputs from there minus the padding.

/// u[a^2][c][f] = the transform of a Keras 3 x 3 x c x f kernel.
void ck_winograd_kernel(long m, const float *w, float *u, long c, long f);

/// dw[3][3][c][f] = the kernel gradient given du[a^2][c][f], the gradient of the transformed kernel (the
/// adjoint of ck_winograd_kernel).
void ck_winograd_kernel_gradient(long m, const float *du, float *dw, long c, long f);

/// v[a^2][count][c] = the transforms of tiles [first, first + count) of a batch of NHWC images (h x w x c).
void ck_winograd_input(long m, const float *images, float *v, long h, long w, long c, long pad_top, long pad_left,
                       long tiles_h, long tiles_w, long first, long count);

/// Adds the adjoint of ck_winograd_input for those tiles, given dv[a^2][count][c], onto input_grad.
void ck_winograd_input_gradient(long m, const float *dv, float *input_grad, long h, long w, long c, long pad_top,
                                long pad_left, long tiles_h, long tiles_w, long first, long count);

/// Writes the outputs (oh x ow x f per image, plus bias when non-NULL) of those tiles from their products
/// [a^2][count][f]; outputs past the edge of a partial tile are dropped.
void ck_winograd_output(long m, const float *products, float *out, const float *bias, long oh, long ow, long f,
                        long tiles_h, long tiles_w, long first, long count);

/// dm[a^2][count][f] = the adjoint of ck_winograd_output (without the bias) applied to the output gradient.
void ck_winograd_output_gradient(long m, const float *out_grad, float *dm, long oh, long ow, long f, long tiles_h,
                                 long tiles_w, long first, long count);

/// dst (cols x rows) = the transpose of src (rows x cols).
void ck_transpose(const float *src, float *dst, long rows, long cols);

/// y[i] = a[i] * b[i].
void ck_multiply(float *y, const float *a, const float *b, long n);

/// How many of the n values are NaN or infinite.
long ck_count_nonfinite(const float *x, long n);

/// y[i] += x[i].
void ck_add(float *y, const float *x, long n);

/// Row-major C[m x n] = op(A)[m x k] . op(B)[k x n] (accumulate = 0) or C += that (accumulate = 1), plus
/// bias[j] in every column j when bias is non-NULL; op transposes when trans_a / trans_b is set (A is then
/// stored k x m, B n x k). Runs on the calling thread's path. Not reentrant per thread;
/// safe from several threads at once.
void ck_gemm(int trans_a, int trans_b, long m, long n, long k, const float *a, long lda, const float *b, long ldb,
             float *c, long ldc, int accumulate, const float *bias);

/// Floats that ck_gemm_pack_b needs for a k x n row-major B, or 0 when this machine's kernels would not
/// read it packed (the portable kernel reads B in place; AVX-512 packs widths that are multiples of 64, AVX2
/// widths above 8).
long ck_gemm_packed_b_size(long n, long k);

/// Copies a row-major k x n B into the panels ck_gemm would pack it into on every call on this thread's
/// path, so that a B used for many products (a layer's weights during inference) is packed once. Only when
/// ck_gemm_packed_b_size is non-zero.
void ck_gemm_pack_b(long n, long k, const float *b, long ldb, float *packed);

/// C[m x n] = A[m x k] . B[k x n] (+ bias) like ck_gemm without transposes, reading B from `packed` (made
/// by ck_gemm_pack_b on path `packed_path`, whose kernels then multiply it on any thread) where the kernel
/// for this shape uses packed panels, and from b otherwise; with b NULL, from `packed` whatever the shape.
/// The `following` floats stored after the packed B (the next product's packed B) are prefetched into L2
/// while this product runs, so that a run of products whose B come from memory streams them. With
/// `accumulate`, C += the product.
void ck_gemm_prepacked(long m, long n, long k, const float *a, long lda, const float *b, long ldb, const float *packed,
                       int packed_path, long following, float *c, long ldc, int accumulate, const float *bias);

/// Runs fn(context, i) for every i in [0, threads): i = 0 on the calling thread, the others on the pool's
/// worker threads, which keep polling for a while after each job, so that a run of short parallel sections
/// (a single image's layers) does not wake a sleeping thread for each. Returns 1 once every share is done,
/// or 0 having run nothing when the pool is taken (a job of another thread, or the caller is a share of a
/// job) or cannot grow to `threads`.
int ck_parallel_run(long threads, void (*fn)(void *context, long index), void *context);

/// Which GEMM kernel ck_gemm uses on this machine, e.g. "AVX-512 12x32".
const char *ck_gemm_kernel_name(void);

/// The calling thread's peak float32 multiply-add rate in GFLOP/s (a multiply-add counts as two), measured
/// with independent chains of the widest vectors the CPU has over about `seconds`.
double ck_fma_peak_gflops(double seconds);

/// One Adam step in Keras's form: m += (g - m)(1 - b1); v += (g^2 - v)(1 - b2); w -= alpha m / (sqrt(v) + eps).
/// With `vhat` (amsgrad) vhat = max(vhat, v) takes v's place in the denominator; a non-zero weight decay first
/// takes w -= w wd lr (AdamW). When g2 is non-NULL the gradient is g + g2 (another worker's part), which is
/// stored back into g. When `squares` is non-NULL it takes g^2's place in v: for an Embedding's table, the sum of
/// each lookup's squared gradient, which is what Keras's optimizers square (one gradient slice per lookup).
void ck_adam_update(float *w, float *g, const float *g2, const float *squares, float *m, float *v, float *vhat, long n,
                    float alpha, float beta1, float beta2, float epsilon, float weight_decay, float lr);

/// One Nadam step in Keras's form, given the step's momentum schedule: u_t, u_t1 (the next step's), their
/// running products up to t and t + 1, and beta2^t. g2 and squares as for ck_adam_update.
void ck_nadam_update(float *w, float *g, const float *g2, const float *squares, float *m, float *v, long n, float lr,
                     float beta1, float beta2, float epsilon, float u_t, float u_t1, float product_t, float product_t1,
                     float beta2_power);

/// One RMSprop step in Keras's form: velocity = rho velocity + (1 - rho) g^2; centered (`average` non-NULL):
/// average = rho average + (1 - rho) g and the denominator sqrt(velocity - average^2 + eps), else
/// sqrt(velocity + eps); with `momentum_slot`: momentum_slot = momentum momentum_slot + lr g / denominator and
/// w -= momentum_slot, else w -= lr g / denominator. g2 and squares (in g^2's place) as for ck_adam_update.
void ck_rmsprop_update(float *w, float *g, const float *g2, const float *squares, float *velocity, float *momentum_slot,
                       float *average, long n, float lr, float rho, float momentum, float epsilon);

/// One SGD step: with momentum 0, w -= lr g; else m = mu m - lr g and w += m (or w += mu m - lr g, Nesterov).
/// g2 as for ck_adam_update.
void ck_sgd_update(float *w, float *g, const float *g2, float *m, long n, float lr, float momentum, int nesterov);

#endif
