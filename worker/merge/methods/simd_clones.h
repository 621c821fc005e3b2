// Marks a hot loop to be compiled for AVX-512, AVX2 and baseline x86-64, the best chosen at
// load time (GCC function multiversioning), so one binary runs anywhere and still vectorises
// 32-bit multiplies and float selects where the CPU has them.
#pragma once

#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define ACDC_SIMD_CLONES __attribute__((target_clones("avx512f", "avx2", "default")))
#else
#define ACDC_SIMD_CLONES
#endif
