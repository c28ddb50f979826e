// The public entry points of the per-path kernels (kernel_list.h): each call runs the build of the calling
// thread's path (ck_path_current).
#include "CKernels.h"
#include "conv1.h"
#include "path.h"

#if CK_X86
#define CK_DECLARE(type, name, parameters) \
    type name##_portable parameters;      \
    type name##_avx2 parameters;          \
    type name##_avx512 parameters;
#define CK_CHOOSE(name)                                                           \
    (path == CK_PATH_AVX512 ? name##_avx512 : path == CK_PATH_AVX2 ? name##_avx2 \
                                                                     : name##_portable)
#else
#define CK_DECLARE(type, name, parameters) type name##_portable parameters;
#define CK_CHOOSE(name) ((void)path, name##_portable)
#endif

#define CK_PROCEDURE(name, parameters, arguments) \
    CK_DECLARE(void, name, parameters)            \
    void name parameters {                        \
        const int path = ck_path_current();       \
        CK_CHOOSE(name) arguments;                \
    }
#define CK_FUNCTION(type, name, parameters, arguments) \
    CK_DECLARE(type, name, parameters)                 \
    type name parameters {                             \
        const int path = ck_path_current();            \
        return CK_CHOOSE(name) arguments;              \
    }
#include "kernel_list.h"
