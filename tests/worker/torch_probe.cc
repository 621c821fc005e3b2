#include "tests/worker/torch_probe.h"

#include <ATen/ATen.h>

namespace acdc {

double TorchMatmulOnesSum() {
  at::Tensor ones = at::ones({64, 64});
  return at::matmul(ones, ones).sum().item<double>();
}

}  // namespace acdc
