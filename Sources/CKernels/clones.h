// The instruction sets every hot C kernel is compiled for; the loader picks the widest the CPU has.
// "arch=x86-64-v3" (AVX2, FMA, F16C, BMI) is checked by feature; "arch=haswell" would be checked by CPU
// model, so AMD processors and newer Intel ones without AVX-512 would fall back to the SSE2 clone.
#ifndef CK_CLONES_H
#define CK_CLONES_H
#define CK_CLONES __attribute__((target_clones("avx512f", "arch=x86-64-v3", "default")))
#endif
