// The per-path kernels for the portable path: the baseline of the processor the package is built for
// (SSE2 on x86-64), taken where no wider path is available or chosen.
#include "variant_kernels.h"
#define CK_VARIANT(name) name##_portable
#define CK_VARIANT_BODIES
#include "variant_kernels.h"
