// Whether this CPU runs the AVX-512 kernels (packed_gemm, decode_attention). They are compiled
// for AVX-512F function by function, so one binary runs anywhere; callers check here first and
// take ATen's path where the answer is no.
#pragma once

namespace acdc {

inline bool Avx512fAvailable() {
  static const bool available = __builtin_cpu_supports("avx512f");
  return available;
}

}  // namespace acdc
