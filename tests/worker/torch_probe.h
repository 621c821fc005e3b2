// A torch computation behind a torch-free header, so the test that calls it can include the
// project's protos (torch bundles protobuf headers of its own).
#pragma once

namespace acdc {

// Sum of a 64x64 matrix product of ones computed by libtorch: 64 * 64 * 64.
double TorchMatmulOnesSum();

}  // namespace acdc
