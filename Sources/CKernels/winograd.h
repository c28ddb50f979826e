// The transforms of Winograd's minimal filtering algorithms F(4x4, 3x3) and F(2x2, 3x3) (Lavin and Gray, "Fast
// Algorithms for Convolutional Neural Networks", 2016; interpolation points 0, 1, -1, 2, -2 and infinity for
// F(4x4), 0, 1, -1 and infinity for F(2x2)), compiled once per path. A 3x3 stride-1 convolution of an input
// tile d (a x a, a = m + 2) with a kernel g (3 x 3) gives the m x m output tile A^T [(G g G^T) * (B^T d B)] A,
// an elementwise product of a^2 values where the direct form needs 9 m^2 multiplies; summed over channels, the
// a^2 products become a^2 matrix products (tiles x channels) . (channels x filters), which the GEMM does.
// F(4x4) multiplies 4 times less than the direct form, F(2x2) 2.25 times, with transforms that round less.
//
// Layouts: transformed tiles are [a^2][tiles][channels] (one matrix per point of the a x a tile); transformed
// kernels [a^2][channels][filters]; images NHWC. Tiles are numbered over the batch (image, tile row, tile
// column); a tile's input window starts at m * (tile row, column) - (pad_top, pad_left), and positions
// outside the image are zero. Every transform works on one block of channels at a time, with its
// intermediate rows in a small local array, and its innermost loops run along the channels, which NHWC keeps
// contiguous, so clang vectorises them at each path's width.

// Channels per block: the intermediates of one block (36 x 64 floats) stay in L1.
#define WG_BLOCK 64
// The largest input tile's side and point count (F(4x4)), which size the local arrays.
#define WG_SIDE 6
#define WG_POINTS 36

// B^T applied to the 6 values src[0], src[s_in], ..., for n consecutive channels; results at dst, dst + s_out...
__attribute__((always_inline))
static inline void wg_input_rows_4(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float d0 = src[ch], d1 = src[s_in + ch], d2 = src[2 * s_in + ch], d3 = src[3 * s_in + ch],
                    d4 = src[4 * s_in + ch], d5 = src[5 * s_in + ch];
        dst[ch] = 4 * d0 - 5 * d2 + d4;
        dst[s_out + ch] = (d3 + d4) - 4 * (d1 + d2);
        dst[2 * s_out + ch] = (d4 - d3) + 4 * (d1 - d2);
        dst[3 * s_out + ch] = (d4 - d2) + 2 * (d3 - d1);
        dst[4 * s_out + ch] = (d4 - d2) - 2 * (d3 - d1);
        dst[5 * s_out + ch] = 4 * d1 - 5 * d3 + d5;
    }
}

// B applied to 6 values (the adjoint of wg_input_rows).
__attribute__((always_inline))
static inline void wg_input_rows_adjoint_4(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float v0 = src[ch], v1 = src[s_in + ch], v2 = src[2 * s_in + ch], v3 = src[3 * s_in + ch],
                    v4 = src[4 * s_in + ch], v5 = src[5 * s_in + ch];
        dst[ch] = 4 * v0;
        dst[s_out + ch] = 4 * (v2 - v1 + v5) + 2 * (v4 - v3);
        dst[2 * s_out + ch] = -5 * v0 - 4 * (v1 + v2) - (v3 + v4);
        dst[3 * s_out + ch] = (v1 - v2) + 2 * (v3 - v4) - 5 * v5;
        dst[4 * s_out + ch] = v0 + v1 + v2 + v3 + v4;
        dst[5 * s_out + ch] = v5;
    }
}

// A^T applied to 6 values: 4 results.
__attribute__((always_inline))
static inline void wg_output_rows_4(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float m0 = src[ch], m1 = src[s_in + ch], m2 = src[2 * s_in + ch], m3 = src[3 * s_in + ch],
                    m4 = src[4 * s_in + ch], m5 = src[5 * s_in + ch];
        const float sum12 = m1 + m2, difference12 = m1 - m2, sum34 = m3 + m4, difference34 = m3 - m4;
        dst[ch] = m0 + sum12 + sum34;
        dst[s_out + ch] = difference12 + 2 * difference34;
        dst[2 * s_out + ch] = sum12 + 4 * sum34;
        dst[3 * s_out + ch] = difference12 + 8 * difference34 + m5;
    }
}

// A applied to 4 values (the adjoint of wg_output_rows): 6 results.
__attribute__((always_inline))
static inline void wg_output_rows_adjoint_4(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float y0 = src[ch], y1 = src[s_in + ch], y2 = src[2 * s_in + ch], y3 = src[3 * s_in + ch];
        const float even = y0 + y2, odd = y1 + y3, even4 = y0 + 4 * y2, odd4 = 2 * y1 + 8 * y3;
        dst[ch] = y0;
        dst[s_out + ch] = even + odd;
        dst[2 * s_out + ch] = even - odd;
        dst[3 * s_out + ch] = even4 + odd4;
        dst[4 * s_out + ch] = even4 - odd4;
        dst[5 * s_out + ch] = y3;
    }
}

// G applied to 3 values: 6 results.
__attribute__((always_inline))
static inline void wg_kernel_rows_4(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float g0 = src[ch], g1 = src[s_in + ch], g2 = src[2 * s_in + ch];
        const float outer = g0 + g2, outer4 = g0 * (1.0f / 24) + g2 * (1.0f / 6);
        dst[ch] = g0 * 0.25f;
        dst[s_out + ch] = -(outer + g1) * (1.0f / 6);
        dst[2 * s_out + ch] = (g1 - outer) * (1.0f / 6);
        dst[3 * s_out + ch] = outer4 + g1 * (1.0f / 12);
        dst[4 * s_out + ch] = outer4 - g1 * (1.0f / 12);
        dst[5 * s_out + ch] = g2;
    }
}

// G^T applied to 6 values (the adjoint of wg_kernel_rows): 3 results.
__attribute__((always_inline))
static inline void wg_kernel_rows_adjoint_4(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float u0 = src[ch], u1 = src[s_in + ch], u2 = src[2 * s_in + ch], u3 = src[3 * s_in + ch],
                    u4 = src[4 * s_in + ch], u5 = src[5 * s_in + ch];
        const float sum12 = u1 + u2, sum34 = u3 + u4;
        dst[ch] = u0 * 0.25f - sum12 * (1.0f / 6) + sum34 * (1.0f / 24);
        dst[s_out + ch] = (u2 - u1) * (1.0f / 6) + (u3 - u4) * (1.0f / 12);
        dst[2 * s_out + ch] = (sum34 - sum12) * (1.0f / 6) + u5;
    }
}

// The F(2x2) forms of the same six.
__attribute__((always_inline))
static inline void wg_input_rows_2(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float d0 = src[ch], d1 = src[s_in + ch], d2 = src[2 * s_in + ch], d3 = src[3 * s_in + ch];
        dst[ch] = d0 - d2;
        dst[s_out + ch] = d1 + d2;
        dst[2 * s_out + ch] = d2 - d1;
        dst[3 * s_out + ch] = d1 - d3;
    }
}

__attribute__((always_inline))
static inline void wg_input_rows_adjoint_2(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float v0 = src[ch], v1 = src[s_in + ch], v2 = src[2 * s_in + ch], v3 = src[3 * s_in + ch];
        dst[ch] = v0;
        dst[s_out + ch] = (v1 - v2) + v3;
        dst[2 * s_out + ch] = (v1 + v2) - v0;
        dst[3 * s_out + ch] = -v3;
    }
}

__attribute__((always_inline))
static inline void wg_output_rows_2(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float m0 = src[ch], m1 = src[s_in + ch], m2 = src[2 * s_in + ch], m3 = src[3 * s_in + ch];
        dst[ch] = m0 + m1 + m2;
        dst[s_out + ch] = (m1 - m2) - m3;
    }
}

__attribute__((always_inline))
static inline void wg_output_rows_adjoint_2(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float y0 = src[ch], y1 = src[s_in + ch];
        dst[ch] = y0;
        dst[s_out + ch] = y0 + y1;
        dst[2 * s_out + ch] = y0 - y1;
        dst[3 * s_out + ch] = -y1;
    }
}

__attribute__((always_inline))
static inline void wg_kernel_rows_2(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float g0 = src[ch], g1 = src[s_in + ch], g2 = src[2 * s_in + ch];
        const float outer = g0 + g2;
        dst[ch] = g0;
        dst[s_out + ch] = (outer + g1) * 0.5f;
        dst[2 * s_out + ch] = (outer - g1) * 0.5f;
        dst[3 * s_out + ch] = g2;
    }
}

__attribute__((always_inline))
static inline void wg_kernel_rows_adjoint_2(const float *restrict src, long s_in, float *restrict dst, long s_out, long n) {
    for (long ch = 0; ch < n; ch++) {
        const float u0 = src[ch], u1 = src[s_in + ch], u2 = src[2 * s_in + ch], u3 = src[3 * s_in + ch];
        const float middle = (u1 + u2) * 0.5f;
        dst[ch] = u0 + middle;
        dst[s_out + ch] = (u1 - u2) * 0.5f;
        dst[2 * s_out + ch] = middle + u3;
    }
}

// Each 1-D transform for output tiles of side m (4 or 2).
#define WG_FOR_TILE(name)                                                                                      \
    __attribute__((always_inline)) static inline void name(long m, const float *restrict src, long s_in,      \
                                                           float *restrict dst, long s_out, long n) {         \
        if (m == 4) name##_4(src, s_in, dst, s_out, n);                                                        \
        else name##_2(src, s_in, dst, s_out, n);                                                               \
    }
WG_FOR_TILE(wg_input_rows)
WG_FOR_TILE(wg_input_rows_adjoint)
WG_FOR_TILE(wg_output_rows)
WG_FOR_TILE(wg_output_rows_adjoint)
WG_FOR_TILE(wg_kernel_rows)
WG_FOR_TILE(wg_kernel_rows_adjoint)

// The position of tile `tile` (numbered over the batch): its image and its tile row and column.
typedef struct {
    long image, row, column;
} wg_tile;

static inline wg_tile wg_locate(long tile, long tiles_h, long tiles_w) {
    const long per_image = tiles_h * tiles_w, within = tile % per_image;
    return (wg_tile){tile / per_image, within / tiles_w, within % tiles_w};
}

static inline void wg_next(wg_tile *t, long tiles_h, long tiles_w) {
    if (++t->column < tiles_w) return;
    t->column = 0;
    if (++t->row < tiles_h) return;
    t->row = 0;
    t->image++;
}

void CK_VARIANT(ck_winograd_kernel)(long m, const float *w, float *u, long c, long f) {
    const long a = m + 2;
    float rows[3 * WG_SIDE * WG_BLOCK];
    for (long ci = 0; ci < c; ci++)
        for (long f0 = 0; f0 < f; f0 += WG_BLOCK) {
            const long n = f - f0 < WG_BLOCK ? f - f0 : WG_BLOCK;
            // Along each kernel row, then along the columns: u[i * a + j] = (G g G^T)[i][j].
            for (long ky = 0; ky < 3; ky++)
                wg_kernel_rows(m, w + (ky * 3 * c + ci) * f + f0, c * f, rows + ky * a * WG_BLOCK, WG_BLOCK, n);
            for (long j = 0; j < a; j++)
                wg_kernel_rows(m, rows + j * WG_BLOCK, a * WG_BLOCK, u + (j * c + ci) * f + f0, a * c * f, n);
        }
}

void CK_VARIANT(ck_winograd_kernel_gradient)(long m, const float *du, float *dw, long c, long f) {
    const long a = m + 2;
    float rows[WG_SIDE * 3 * WG_BLOCK];
    for (long ci = 0; ci < c; ci++)
        for (long f0 = 0; f0 < f; f0 += WG_BLOCK) {
            const long n = f - f0 < WG_BLOCK ? f - f0 : WG_BLOCK;
            for (long i = 0; i < a; i++)
                wg_kernel_rows_adjoint(m, du + (i * a * c + ci) * f + f0, c * f, rows + i * 3 * WG_BLOCK, WG_BLOCK, n);
            for (long kx = 0; kx < 3; kx++)
                wg_kernel_rows_adjoint(m, rows + kx * WG_BLOCK, 3 * WG_BLOCK, dw + (kx * c + ci) * f + f0, 3 * c * f, n);
        }
}

__attribute__((no_builtin("memcpy", "memset")))
void CK_VARIANT(ck_winograd_input)(long m, const float *images, float *v, long h, long w, long c, long pad_top,
                                   long pad_left, long tiles_h, long tiles_w, long first, long count) {
    const long a = m + 2;
    float window[WG_POINTS * WG_BLOCK], rows[WG_POINTS * WG_BLOCK];
    wg_tile t = wg_locate(first, tiles_h, tiles_w);
    for (long tile = 0; tile < count; tile++, wg_next(&t, tiles_h, tiles_w)) {
        const float *image = images + t.image * h * w * c;
        const long y0 = t.row * m - pad_top, x0 = t.column * m - pad_left;
        const int inside = y0 >= 0 && x0 >= 0 && y0 + a <= h && x0 + a <= w;
        for (long c0 = 0; c0 < c; c0 += WG_BLOCK) {
            const long n = c - c0 < WG_BLOCK ? c - c0 : WG_BLOCK;
            const float *src = window;
            long row_stride = a * WG_BLOCK, column_stride = WG_BLOCK;
            if (inside) {
                src = image + (y0 * w + x0) * c + c0;
                row_stride = w * c;
                column_stride = c;
            } else {
                // A window over the border: its channels copied in with zeros outside the image.
                for (long y = 0; y < a; y++)
                    for (long x = 0; x < a; x++) {
                        float *cell = window + (y * a + x) * WG_BLOCK;
                        const long iy = y0 + y, ix = x0 + x;
                        if (iy < 0 || iy >= h || ix < 0 || ix >= w)
                            for (long ch = 0; ch < n; ch++) cell[ch] = 0;
                        else
                            for (long ch = 0; ch < n; ch++) cell[ch] = image[(iy * w + ix) * c + c0 + ch];
                    }
            }
            for (long y = 0; y < a; y++)
                wg_input_rows(m, src + y * row_stride, column_stride, rows + y * a * WG_BLOCK, WG_BLOCK, n);
            float *out = v + tile * c + c0;
            for (long j = 0; j < a; j++)
                wg_input_rows(m, rows + j * WG_BLOCK, a * WG_BLOCK, out + j * count * c, a * count * c, n);
        }
    }
}

void CK_VARIANT(ck_winograd_input_gradient)(long m, const float *dv, float *input_grad, long h, long w, long c,
                                            long pad_top, long pad_left, long tiles_h, long tiles_w, long first,
                                            long count) {
    const long a = m + 2;
    float rows[WG_POINTS * WG_BLOCK], window[WG_POINTS * WG_BLOCK];
    wg_tile t = wg_locate(first, tiles_h, tiles_w);
    for (long tile = 0; tile < count; tile++, wg_next(&t, tiles_h, tiles_w)) {
        float *image = input_grad + t.image * h * w * c;
        const long y0 = t.row * m - pad_top, x0 = t.column * m - pad_left;
        for (long c0 = 0; c0 < c; c0 += WG_BLOCK) {
            const long n = c - c0 < WG_BLOCK ? c - c0 : WG_BLOCK;
            const float *in = dv + tile * c + c0;
            for (long i = 0; i < a; i++)
                wg_input_rows_adjoint(m, in + i * a * count * c, count * c, rows + i * a * WG_BLOCK, WG_BLOCK, n);
            for (long x = 0; x < a; x++)
                wg_input_rows_adjoint(m, rows + x * WG_BLOCK, a * WG_BLOCK, window + x * WG_BLOCK, a * WG_BLOCK, n);
            // Neighbouring windows overlap by two rows and columns: add, and drop what falls in the padding.
            for (long y = 0; y < a; y++) {
                const long iy = y0 + y;
                if (iy < 0 || iy >= h) continue;
                for (long x = 0; x < a; x++) {
                    const long ix = x0 + x;
                    if (ix < 0 || ix >= w) continue;
                    float *cell = image + (iy * w + ix) * c + c0;
                    const float *value = window + (y * a + x) * WG_BLOCK;
                    for (long ch = 0; ch < n; ch++) cell[ch] += value[ch];
                }
            }
        }
    }
}

void CK_VARIANT(ck_winograd_output)(long m, const float *products, float *out, const float *bias, long oh, long ow,
                                    long f, long tiles_h, long tiles_w, long first, long count) {
    const long a = m + 2;
    float rows[WG_POINTS * WG_BLOCK], tile_out[WG_POINTS * WG_BLOCK];
    wg_tile t = wg_locate(first, tiles_h, tiles_w);
    for (long tile = 0; tile < count; tile++, wg_next(&t, tiles_h, tiles_w)) {
        float *image = out + t.image * oh * ow * f;
        const long y0 = t.row * m, x0 = t.column * m;
        const long height = oh - y0 < m ? oh - y0 : m, width = ow - x0 < m ? ow - x0 : m;
        for (long f0 = 0; f0 < f; f0 += WG_BLOCK) {
            const long n = f - f0 < WG_BLOCK ? f - f0 : WG_BLOCK;
            const float *in = products + tile * f + f0;
            for (long i = 0; i < a; i++)
                wg_output_rows(m, in + i * a * count * f, count * f, rows + i * m * WG_BLOCK, WG_BLOCK, n);
            for (long x = 0; x < m; x++)
                wg_output_rows(m, rows + x * WG_BLOCK, m * WG_BLOCK, tile_out + x * WG_BLOCK, m * WG_BLOCK, n);
            for (long y = 0; y < height; y++)
                for (long x = 0; x < width; x++) {
                    float *cell = image + ((y0 + y) * ow + x0 + x) * f + f0;
                    const float *value = tile_out + (y * m + x) * WG_BLOCK;
                    if (bias)
                        for (long ch = 0; ch < n; ch++) cell[ch] = value[ch] + bias[f0 + ch];
                    else
                        for (long ch = 0; ch < n; ch++) cell[ch] = value[ch];
                }
        }
    }
}

void CK_VARIANT(ck_winograd_output_gradient)(long m, const float *out_grad, float *dm, long oh, long ow, long f,
                                             long tiles_h, long tiles_w, long first, long count) {
    const long a = m + 2;
    float tile_in[WG_POINTS * WG_BLOCK], rows[WG_POINTS * WG_BLOCK];
    wg_tile t = wg_locate(first, tiles_h, tiles_w);
    for (long tile = 0; tile < count; tile++, wg_next(&t, tiles_h, tiles_w)) {
        const float *image = out_grad + t.image * oh * ow * f;
        const long y0 = t.row * m, x0 = t.column * m;
        const long height = oh - y0 < m ? oh - y0 : m, width = ow - x0 < m ? ow - x0 : m;
        for (long f0 = 0; f0 < f; f0 += WG_BLOCK) {
            const long n = f - f0 < WG_BLOCK ? f - f0 : WG_BLOCK;
            // The tile's output gradients, zero past the output's edge.
            for (long y = 0; y < m; y++)
                for (long x = 0; x < m; x++) {
                    float *cell = tile_in + (y * m + x) * WG_BLOCK;
                    if (y < height && x < width) {
                        const float *value = image + ((y0 + y) * ow + x0 + x) * f + f0;
                        for (long ch = 0; ch < n; ch++) cell[ch] = value[ch];
                    } else {
                        for (long ch = 0; ch < n; ch++) cell[ch] = 0;
                    }
                }
            for (long y = 0; y < m; y++)
                wg_output_rows_adjoint(m, tile_in + y * m * WG_BLOCK, WG_BLOCK, rows + y * a * WG_BLOCK, WG_BLOCK, n);
            float *out = dm + tile * f + f0;
            for (long j = 0; j < a; j++)
                wg_output_rows_adjoint(m, rows + j * WG_BLOCK, a * WG_BLOCK, out + j * count * f, a * count * f, n);
        }
    }
}
