#include "worker/runtime/kernels/rms_norm.h"

#include <cmath>

namespace acdc {

void RmsNormRows(const float* x, int64_t rows, int64_t dim, const float* weight, float epsilon,
                 float* y) {
  constexpr int kLanes = 16;  // float lanes the compiler vectorises, added up in double
  for (int64_t r = 0; r < rows; ++r) {
    const float* row = x + r * dim;
    float lanes[kLanes] = {};
    for (int64_t j = 0; j < dim; j += kLanes) {
      const int64_t count = dim - j < kLanes ? dim - j : kLanes;
      for (int64_t l = 0; l < count; ++l) lanes[l] += row[j + l] * row[j + l];
    }
    double squares = 0;
    for (float lane : lanes) squares += lane;
    const float mean = static_cast<float>(squares / static_cast<double>(dim));
    const float scale = 1.0f / std::sqrt(mean + epsilon);
    float* out = y + r * dim;
    for (int64_t j = 0; j < dim; ++j) out[j] = weight[j] * (row[j] * scale);
  }
}

}  // namespace acdc
