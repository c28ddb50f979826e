// Shared by the kernels' sources: whether x86 SIMD paths are compiled, and the target strings of each path.
#ifndef CK_PATH_H
#define CK_PATH_H

// Every kernel source includes this first: multiply-adds may fuse across statements, as with
// -ffp-contract=fast (a flag that SwiftPM would only take as an unsafe flag, which no dependency may have).
#pragma clang fp contract(fast)

// Fully unrolls the next loop: the register-blocking loops of the kernels, whose accumulators must stay in
// registers. At SwiftPM's -O2 (a flag like -O3 would be an unsafe flag) clang unrolls only smaller ones.
#define CK_UNROLL _Pragma("clang loop unroll(full)")

#if defined(__x86_64__)
#define CK_X86 1
#else
#define CK_X86 0
#endif

// The AVX2 path: x86-64-v3 (AVX2, FMA, F16C, BMI); "arch=haswell" would tune for one Intel model.
#define CK_AVX2_TARGET "avx2,fma,f16c,bmi,bmi2"
// The AVX-512 path: foundation, doubleword/quadword, byte/word and 128/256-bit vector-length forms.
#define CK_AVX512_TARGET "avx512f,avx512dq,avx512bw,avx512vl,fma,f16c,bmi,bmi2"

#endif
