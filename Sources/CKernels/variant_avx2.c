// The per-path kernels for the AVX2 path (x86-64 only).
#include "path.h"
#if CK_X86
#include "variant_kernels.h"
#define CK_VARIANT(name) name##_avx2
#define CK_VARIANT_BODIES
#pragma clang attribute push(__attribute__((target(CK_AVX2_TARGET))), apply_to = function)
#include "variant_kernels.h"
#pragma clang attribute pop
#endif
