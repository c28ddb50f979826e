#include "CKernels.h"
#include "path.h"
#include <stdlib.h>
#include <string.h>

// The processor's widest path and the environment's cap are read once; a thread's own cap (tests that run a
// kernel on every path) is kept per thread, so it never changes the path of work on other threads.
static int cached_supported = -1;
static int cached_environment_cap = -3;
static _Thread_local int thread_cap = -1;

int ck_path_supported(void) {
    int supported = __atomic_load_n(&cached_supported, __ATOMIC_RELAXED);
    if (supported >= 0) return supported;
    supported = CK_PATH_PORTABLE;
#if CK_X86
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512vl")) {
        supported = CK_PATH_AVX512;
    } else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        supported = CK_PATH_AVX2;
    }
#endif
    __atomic_store_n(&cached_supported, supported, __ATOMIC_RELAXED);
    return supported;
}

int ck_path_named(const char *name) {
    if (!name) return -2;
    for (int path = CK_PATH_PORTABLE; path <= CK_PATH_AVX512; path++) {
        if (strcmp(name, ck_path_setting(path)) == 0) return path;
    }
    return -2;
}

int ck_path_environment_cap(void) {
    int cap = __atomic_load_n(&cached_environment_cap, __ATOMIC_RELAXED);
    if (cap != -3) return cap;
    const char *setting = getenv("KERAS_SWIFT_SIMD");
    cap = setting && *setting ? ck_path_named(setting) : -1;
    __atomic_store_n(&cached_environment_cap, cap, __ATOMIC_RELAXED);
    return cap;
}

int ck_path_current(void) {
    int path = ck_path_supported();
    const int environment = ck_path_environment_cap();
    if (environment >= 0 && environment < path) path = environment;
    if (thread_cap >= 0 && thread_cap < path) path = thread_cap;
    return path;
}

int ck_path_cap_thread(int path) {
    const int previous = thread_cap;
    thread_cap = path;
    return previous;
}

const char *ck_path_name(int path) {
    switch (path) {
    case CK_PATH_AVX512: return "AVX-512";
    case CK_PATH_AVX2: return "AVX2";
    default: return "portable";
    }
}

const char *ck_path_setting(int path) {
    switch (path) {
    case CK_PATH_AVX512: return "avx512";
    case CK_PATH_AVX2: return "avx2";
    default: return "portable";
    }
}
