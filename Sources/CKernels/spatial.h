// Data movement of images: im2col and its adjoint, pooling, transposes; compiled once per path.
// Short copies (a kernel row of a few pixels) inline: a library memcpy call costs more than the copy.
// no_builtin keeps clang from turning the loop back into a memcpy call.
__attribute__((always_inline, no_builtin("memcpy")))
static inline void copy_floats(float *dst, const float *src, long n) {
    for (long i = 0; i < n; i++) dst[i] = src[i];
}

// Copies n floats with whole-vector moves of 4, 8 or 16 floats, over-copying up to 15 floats past the end
// of dst when that cannot read past `src_end`; callers leave room after dst and overwrite the excess later.
__attribute__((always_inline))
static inline void copy_floats_wide(float *dst, const float *src, long n, const float *src_end) {
    long i = 0;
    for (; n - i > 8 && src + i + 16 <= src_end; i += 16) __builtin_memcpy(dst + i, src + i, 16 * sizeof(float));
    if (n - i > 4 && src + i + 8 <= src_end) { __builtin_memcpy(dst + i, src + i, 8 * sizeof(float)); i += 8; }
    if (n - i > 0 && src + i + 4 <= src_end) { __builtin_memcpy(dst + i, src + i, 4 * sizeof(float)); i += 4; }
    if (i < n) copy_floats(dst + i, src + i, n - i);
}

__attribute__((always_inline, no_builtin("memset")))
static inline void zero_floats(float *dst, long n) {
    for (long i = 0; i < n; i++) dst[i] = 0;
}

__attribute__((no_builtin("memcpy", "memset")))
void CK_VARIANT(ck_im2col)(const float *images, float *cols, const ck_window *g, long first, long count) {
    const long h = g->h, w = g->w, c = g->c, kh = g->kh, kw = g->kw, cg = g->cg;
    const long patch = kh * kw * cg, positions = g->oh * g->ow;
    // A kernel row inside the image is one contiguous run when it reads every channel of adjacent pixels.
    const int whole_rows = g->dw == 1 && cg == c;
    // The first row's image and position; later rows step through them without dividing.
    long sample = first / positions, oy = (first % positions) / g->ow, ox = first % g->ow;
    for (long row = 0; row < count; row++) {
        const float *image = images + sample * h * w * c;
        const float *image_end = image + h * w * c;
        float *dst = cols + row * patch;
        for (long ky = 0; ky < kh; ky++) {
            long iy = oy * g->sh + ky * g->dh - g->pad_top;
            if (iy < 0 || iy >= h) {
                zero_floats(dst, kw * cg);
                dst += kw * cg;
                continue;
            }
            long ix0 = ox * g->sw - g->pad_left;
            if (whole_rows && ix0 >= 0 && ix0 + kw <= w) {
                copy_floats_wide(dst, image + (iy * w + ix0) * c, kw * c, image_end);
                dst += kw * c;
                continue;
            }
            for (long kx = 0; kx < kw; kx++, dst += cg) {
                long ix = ix0 + kx * g->dw;
                if (ix < 0 || ix >= w) zero_floats(dst, cg);
                else copy_floats(dst, image + (iy * w + ix) * c + g->c0, cg);
            }
        }
        if (++ox == g->ow) {
            ox = 0;
            if (++oy == g->oh) { oy = 0; sample++; }
        }
    }
}

void CK_VARIANT(ck_col2im)(const float *cols, float *images, const ck_window *g, long first, long count) {
    const long h = g->h, w = g->w, c = g->c, kh = g->kh, kw = g->kw, cg = g->cg;
    const long patch = kh * kw * cg, positions = g->oh * g->ow;
    for (long row = first; row < first + count; row++) {
        float *image = images + (row / positions) * h * w * c + g->c0;
        const long oy = (row % positions) / g->ow, ox = row % g->ow;
        const float *src = cols + (row - first) * patch;
        for (long ky = 0; ky < kh; ky++) {
            long iy = oy * g->sh + ky * g->dh - g->pad_top;
            if (iy < 0 || iy >= h) { src += kw * cg; continue; }
            for (long kx = 0; kx < kw; kx++, src += cg) {
                long ix = ox * g->sw + kx * g->dw - g->pad_left;
                if (ix < 0 || ix >= w) continue;
                float *dst = image + (iy * w + ix) * c;
                for (long ch = 0; ch < cg; ch++) dst[ch] += src[ch];
            }
        }
    }
}

// The output columns [*first, *last) whose tap at column offset `offset` (kx·dw - pad_left) reads a column
// of the image: 0 <= ox·sw + offset < w.
__attribute__((always_inline))
static inline void depthwise_columns(const ck_window *g, long offset, long *first, long *last) {
    long lo = offset >= 0 ? 0 : (-offset + g->sw - 1) / g->sw;
    long hi = g->w - 1 - offset < 0 ? 0 : (g->w - 1 - offset) / g->sw + 1;
    *first = lo;
    *last = hi < g->ow ? hi : g->ow;
}

// Output columns [first, last) of output row oy of a one-per-channel (multiplier 1) depthwise convolution
// whose every tap lies inside the image's columns: per output position and block of V vectors of 8 channels,
// the taps are summed in registers (V independent chains) and the output written once.
__attribute__((always_inline))
static inline void CK_VARIANT(depthwise_interior)(const float *image, const float *kernel, const float *bias, float *row,
                                                  const ck_window *g, long oy, long first, long last, const int V) {
    const long c = g->c;
    for (long ox = first; ox < last; ox++) {
        const float *origin = image + (ox * g->sw - g->pad_left) * c;
        float *o = row + ox * c;
        for (long ch0 = 0; ch0 < c; ch0 += 8 * V) {
            v8 acc[4];
            if (bias) {
                CK_UNROLL for (int v = 0; v < V; v++) acc[v] = *(const v8u *)(bias + ch0 + 8 * v);
            } else {
                CK_UNROLL for (int v = 0; v < V; v++) acc[v] = (v8){0};
            }
            for (long ky = 0; ky < g->kh; ky++) {
                const long iy = oy * g->sh + ky * g->dh - g->pad_top;
                if (iy < 0 || iy >= g->h) continue;
                const float *x = origin + iy * g->w * c + ch0, *k = kernel + ky * g->kw * c + ch0;
                for (long kx = 0; kx < g->kw; kx++, x += g->dw * c, k += c) {
                    CK_UNROLL for (int v = 0; v < V; v++) acc[v] += *(const v8u *)(x + 8 * v) * *(const v8u *)(k + 8 * v);
                }
            }
            CK_UNROLL for (int v = 0; v < V; v++) *(v8u *)(o + ch0 + 8 * v) = acc[v];
        }
    }
}

// Depthwise passes go row by row and tap by tap: for output row oy and a tap (ky, kx), every output column
// whose window the tap reads inside the image gets one vectorised product along the channels (the output row
// stays in L1), so no position checks its taps one by one. The forward pass of a multiplier-1 layer over
// channels in multiples of 8 takes the columns whose taps all lie inside the image with
// depthwise_interior instead, and only the border columns so.
void CK_VARIANT(ck_depthwise_forward)(const float *image, const float *kernel, const float *bias, float *out,
                                      const ck_window *g, long dm) {
    const long c = g->c, width = c * dm;
    // The columns every tap reads inside the image (none when no such column exists).
    long inner_first = 0, inner_last = g->ow;
    const int vectors = dm != 1 ? 0 : c % 32 == 0 ? 4 : c % 8 == 0 ? 1 : 0;
    for (long kx = 0; kx < g->kw && vectors; kx++) {
        long first, last;
        depthwise_columns(g, kx * g->dw - g->pad_left, &first, &last);
        if (first > inner_first) inner_first = first;
        if (last < inner_last) inner_last = last;
    }
    if (!vectors || inner_first >= inner_last) inner_first = inner_last = 0;
    for (long oy = 0; oy < g->oh; oy++) {
        float *row = out + oy * g->ow * width;
        if (vectors == 4) CK_VARIANT(depthwise_interior)(image, kernel, bias, row, g, oy, inner_first, inner_last, 4);
        if (vectors == 1) CK_VARIANT(depthwise_interior)(image, kernel, bias, row, g, oy, inner_first, inner_last, 1);
        // The border columns: [0, inner_first) and [inner_last, ow), tap by tap.
        for (int side = 0; side < 2; side++) {
            const long from = side ? inner_last : 0, to = side ? g->ow : inner_first;
            if (from >= to) continue;
            // The bias test stays outside the loops: inside, compilers turn `bias ? bias[j] : 0` into masked
            // loads, from address 0 when there is no bias, which cost AMD's Zen cores most of the layer's time.
            if (bias) {
                for (long ox = from; ox < to; ox++) memcpy(row + ox * width, bias, (size_t)width * sizeof(float));
            } else {
                memset(row + from * width, 0, (size_t)((to - from) * width) * sizeof(float));
            }
            for (long ky = 0; ky < g->kh; ky++) {
                const long iy = oy * g->sh + ky * g->dh - g->pad_top;
                if (iy < 0 || iy >= g->h) continue;
                const float *image_row = image + iy * g->w * c;
                for (long kx = 0; kx < g->kw; kx++) {
                    const long offset = kx * g->dw - g->pad_left;
                    const float *restrict k = kernel + (ky * g->kw + kx) * width;
                    long first, last;
                    depthwise_columns(g, offset, &first, &last);
                    if (first < from) first = from;
                    if (last > to) last = to;
                    for (long ox = first; ox < last; ox++) {
                        const float *restrict x = image_row + (ox * g->sw + offset) * c;
                        float *restrict o = row + ox * width;
                        if (dm == 1) {
                            for (long ch = 0; ch < c; ch++) o[ch] += x[ch] * k[ch];
                        } else {
                            for (long ch = 0; ch < c; ch++)
                                for (long m = 0; m < dm; m++) o[ch * dm + m] += x[ch] * k[ch * dm + m];
                        }
                    }
                }
            }
        }
    }
}

void CK_VARIANT(ck_depthwise_backward)(const float *image, const float *out_grad, const float *kernel, float *kernel_grad,
                                       float *input_grad, const ck_window *g, long dm) {
    const long c = g->c, width = c * dm;
    for (long oy = 0; oy < g->oh; oy++) {
        const float *grad_row = out_grad + oy * g->ow * width;
        for (long ky = 0; ky < g->kh; ky++) {
            const long iy = oy * g->sh + ky * g->dh - g->pad_top;
            if (iy < 0 || iy >= g->h) continue;
            const float *image_row = image + iy * g->w * c;
            float *input_grad_row = input_grad ? input_grad + iy * g->w * c : 0;
            for (long kx = 0; kx < g->kw; kx++) {
                const long offset = kx * g->dw - g->pad_left;
                const float *restrict k = kernel + (ky * g->kw + kx) * width;
                float *restrict dk = kernel_grad + (ky * g->kw + kx) * width;
                long first, last;
                depthwise_columns(g, offset, &first, &last);
                for (long ox = first; ox < last; ox++) {
                    const float *restrict x = image_row + (ox * g->sw + offset) * c, *restrict d = grad_row + ox * width;
                    if (dm == 1) {
                        for (long ch = 0; ch < c; ch++) dk[ch] += x[ch] * d[ch];
                    } else {
                        for (long ch = 0; ch < c; ch++)
                            for (long m = 0; m < dm; m++) dk[ch * dm + m] += x[ch] * d[ch * dm + m];
                    }
                    if (!input_grad_row) continue;
                    float *restrict dx = input_grad_row + (ox * g->sw + offset) * c;
                    if (dm == 1) {
                        for (long ch = 0; ch < c; ch++) dx[ch] += k[ch] * d[ch];
                    } else {
                        for (long ch = 0; ch < c; ch++) {
                            float sum = 0;
                            for (long m = 0; m < dm; m++) sum += k[ch * dm + m] * d[ch * dm + m];
                            dx[ch] += sum;
                        }
                    }
                }
            }
        }
    }
}

void CK_VARIANT(ck_pool_forward)(int is_max, const float *image, float *out, int32_t *argmax, long h, long w, long c,
                     long ph, long pw, long sh, long sw, long pad_top, long pad_left, long oh, long ow) {
    for (long oy = 0; oy < oh; oy++) {
        long y0 = oy * sh - pad_top, y1 = y0 + ph;
        if (y0 < 0) y0 = 0;
        if (y1 > h) y1 = h;
        for (long ox = 0; ox < ow; ox++) {
            long x0 = ox * sw - pad_left, x1 = x0 + pw;
            if (x0 < 0) x0 = 0;
            if (x1 > w) x1 = w;
            float *o = out + (oy * ow + ox) * c;
            if (y1 - y0 == 2 && x1 - x0 == 2) {
                // The common 2x2 window, unrolled: four cells per channel.
                const float *p00 = image + (y0 * w + x0) * c, *p01 = p00 + c, *p10 = p00 + w * c, *p11 = p10 + c;
                if (is_max) {
                    int32_t *a = argmax + (oy * ow + ox) * c;
                    const int32_t base = (int32_t)((y0 * w + x0) * c);
                    for (long ch = 0; ch < c; ch++) {
                        float best = p00[ch];
                        int32_t at = base + (int32_t)ch;
                        if (p01[ch] > best) { best = p01[ch]; at = base + (int32_t)(c + ch); }
                        if (p10[ch] > best) { best = p10[ch]; at = base + (int32_t)(w * c + ch); }
                        if (p11[ch] > best) { best = p11[ch]; at = base + (int32_t)(w * c + c + ch); }
                        o[ch] = best;
                        a[ch] = at;
                    }
                } else {
                    for (long ch = 0; ch < c; ch++) o[ch] = (p00[ch] + p01[ch] + p10[ch] + p11[ch]) * 0.25f;
                }
                continue;
            }
            if (is_max) {
                int32_t *a = argmax + (oy * ow + ox) * c;
                const float *first = image + (y0 * w + x0) * c;
                for (long ch = 0; ch < c; ch++) { o[ch] = first[ch]; a[ch] = (int32_t)((y0 * w + x0) * c + ch); }
                for (long y = y0; y < y1; y++) {
                    for (long x = x0; x < x1; x++) {
                        const float *cell = image + (y * w + x) * c;
                        // Stores whatever the test gives: conditional ones become masked stores, slow on AMD's Zen.
                        for (long ch = 0; ch < c; ch++) {
                            const int better = cell[ch] > o[ch];
                            o[ch] = better ? cell[ch] : o[ch];
                            a[ch] = better ? (int32_t)((y * w + x) * c + ch) : a[ch];
                        }
                    }
                }
            } else {
                for (long ch = 0; ch < c; ch++) o[ch] = 0;
                for (long y = y0; y < y1; y++)
                    for (long x = x0; x < x1; x++) {
                        const float *cell = image + (y * w + x) * c;
                        for (long ch = 0; ch < c; ch++) o[ch] += cell[ch];
                    }
                float scale = 1.0f / (float)((y1 - y0) * (x1 - x0));
                for (long ch = 0; ch < c; ch++) o[ch] *= scale;
            }
        }
    }
}

/* Average pooling's gradient when the windows tile the image without overlap or padding (stride = window,
   as in the usual 2x2 pooling): every input cell belongs to at most one window, so each input row is written
   once, the first of a window row from the output gradients and the others copied from it, with no clearing
   first and no adding. Cells past the last whole window get zero. */
static void pool_average_tiles_backward(const float *out_grad, float *input_grad, long h, long w, long c, long ph,
                                        long pw, long oh, long ow) {
    const float scale = 1.0f / (float)(ph * pw);
    const long row = w * c, tiled = ow * pw * c;
    for (long oy = 0; oy < oh; oy++) {
        const float *g = out_grad + oy * ow * c;
        float *first = input_grad + oy * ph * row;
        for (long ox = 0; ox < ow; ox++) {
            float *cell = first + ox * pw * c;
            for (long ch = 0; ch < c; ch++) cell[ch] = g[ox * c + ch] * scale;
            for (long dx = 1; dx < pw; dx++) memcpy(cell + dx * c, cell, (size_t)c * sizeof(float));
        }
        if (tiled < row) memset(first + tiled, 0, (size_t)(row - tiled) * sizeof(float));
        for (long dy = 1; dy < ph; dy++) memcpy(first + dy * row, first, (size_t)row * sizeof(float));
    }
    if (oh * ph < h) memset(input_grad + oh * ph * row, 0, (size_t)((h - oh * ph) * row) * sizeof(float));
}

void CK_VARIANT(ck_pool_backward)(int is_max, const float *out_grad, float *input_grad, const int32_t *argmax,
                      long h, long w, long c, long ph, long pw, long sh, long sw, long pad_top, long pad_left,
                      long oh, long ow) {
    if (!is_max && sh == ph && sw == pw && pad_top == 0 && pad_left == 0 && oh * ph <= h && ow * pw <= w) {
        pool_average_tiles_backward(out_grad, input_grad, h, w, c, ph, pw, oh, ow);
        return;
    }
    memset(input_grad, 0, (size_t)(h * w * c) * sizeof(float));
    for (long oy = 0; oy < oh; oy++) {
        long y0 = oy * sh - pad_top, y1 = y0 + ph;
        if (y0 < 0) y0 = 0;
        if (y1 > h) y1 = h;
        for (long ox = 0; ox < ow; ox++) {
            long x0 = ox * sw - pad_left, x1 = x0 + pw;
            if (x0 < 0) x0 = 0;
            if (x1 > w) x1 = w;
            const float *g = out_grad + (oy * ow + ox) * c;
            if (is_max) {
                const int32_t *a = argmax + (oy * ow + ox) * c;
                for (long ch = 0; ch < c; ch++) input_grad[a[ch]] += g[ch];
            } else {
                float scale = 1.0f / (float)((y1 - y0) * (x1 - x0));
                for (long y = y0; y < y1; y++)
                    for (long x = x0; x < x1; x++) {
                        float *cell = input_grad + (y * w + x) * c;
                        for (long ch = 0; ch < c; ch++) cell[ch] += g[ch] * scale;
                    }
            }
        }
    }
}

void CK_VARIANT(ck_transpose)(const float *src, float *dst, long rows, long cols) {
    // Blocks of 16 x 16 keep both sides within a few cache lines.
    for (long r0 = 0; r0 < rows; r0 += 16) {
        long r1 = r0 + 16 < rows ? r0 + 16 : rows;
        for (long c0 = 0; c0 < cols; c0 += 16) {
            long c1 = c0 + 16 < cols ? c0 + 16 : cols;
            for (long r = r0; r < r1; r++)
                for (long c = c0; c < c1; c++) dst[c * rows + r] = src[r * cols + c];
        }
    }
}
