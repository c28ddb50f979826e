// Shared by the single-channel direct convolution: conv1.c pads each image and picks the kernels of the
// calling thread's path, conv1_avx512.c (512-bit vectors) or conv1_256.h (256-bit vectors, 16 registers,
// compiled for the AVX2 and portable paths and dispatched by dispatch.c).
#ifndef CK_CONV1_H
#define CK_CONV1_H

// Width of a padded input row: the image row, its left/right zero padding, and 16 spare zeros so that
// vector loads starting anywhere in the row stay inside it.
static inline long ck_conv1_padded_width(long kw, long ow) { return ow + kw - 1 + 16; }

// Each takes the padded image (oh + kh rows of ck_conv1_padded_width floats). For up to 8 filters, the weight
// gradients read the output gradient from `work` laid out filter-major, row (j * oh + y) of ow + 16 floats,
// zero past ow; wider ones read `dz` as it is.
void ck_conv1_forward_avx512(const float *padded, const float *weights, const float *bias, float *out, long kh, long kw,
                             long oh, long ow, long f);
void ck_conv1_weight_gradient_avx512(const float *padded, const float *dz, float *dw, long kh, long kw, long oh, long ow,
                                     long f, float *work);
void ck_conv1_forward_256(const float *padded, const float *weights, const float *bias, float *out, long kh, long kw,
                          long oh, long ow, long f);
void ck_conv1_weight_gradient_256(const float *padded, const float *dz, float *dw, long kh, long kw, long oh, long ow,
                                  long f, float *work);

#endif
