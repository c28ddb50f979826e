// BatchNormalization's per-channel sums over a batch, compiled once per path (see variant_kernels.h).
// Values are taken to double before they are added, as the layer's statistics are kept in double precision
// (a float's square and a product of two floats are exact in double, so fused and separate multiply-adds
// agree); each loop over the channels of a row vectorises.

void CK_VARIANT(ck_channel_moments)(const float *restrict x, long rows, long channels, double *restrict sums,
                                     double *restrict squares) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * channels;
        for (long c = 0; c < channels; c++) {
            double value = (double)row[c];
            sums[c] += value;
            squares[c] += value * value;
        }
    }
}

void CK_VARIANT(ck_channel_gradient_moments)(const float *restrict x, const float *restrict grad,
                                              const float *restrict mean, const float *restrict inverse, long rows,
                                              long channels, double *restrict sums, double *restrict products) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * channels, *g = grad + r * channels;
        for (long c = 0; c < channels; c++) {
            float normalized = (row[c] - mean[c]) * inverse[c];
            sums[c] += (double)g[c];
            products[c] += (double)g[c] * (double)normalized;
        }
    }
}

void CK_VARIANT(ck_channel_affine)(const float *restrict x, float *restrict y, long rows, long channels,
                                    const float *restrict factor, const float *restrict offset) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * channels;
        float *result = y + r * channels;
        for (long c = 0; c < channels; c++) result[c] = row[c] * factor[c] + offset[c];
    }
}

void CK_VARIANT(ck_batch_normalization_backward)(const float *restrict x, const float *restrict grad,
                                                  float *restrict input_grad, long rows, long channels,
                                                  const float *restrict mean, const float *restrict inverse,
                                                  const float *restrict factor, const float *restrict mean_grad,
                                                  const float *restrict mean_grad_product) {
    for (long r = 0; r < rows; r++) {
        const float *row = x + r * channels, *g = grad + r * channels;
        float *d = input_grad + r * channels;
        for (long c = 0; c < channels; c++) {
            float normalized = (row[c] - mean[c]) * inverse[c];
            d[c] = factor[c] * (g[c] - mean_grad[c] - normalized * mean_grad_product[c]);
        }
    }
}
