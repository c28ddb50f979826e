// The bodies of the per-path kernels (kernel_list.h), included by variant_portable.c, variant_avx2.c and
// variant_avx512.c, each of which defines CK_VARIANT(name) to add its suffix and compiles them for its path.
// Every header a body needs is included here, before a variant turns on its target attribute: a system
// function declared again inside that region would be taken for a target-specific version of it.
#include "path.h"
#include "CKernels.h"
#include "conv1.h"
#include <math.h>
#include <string.h>

#ifdef CK_VARIANT_BODIES
#include "conv1_256.h"
#include "elementwise.h"
#include "normalization.h"
#include "optimizers.h"
#include "recurrent.h"
#include "spatial.h"
#include "winograd.h"
#endif
