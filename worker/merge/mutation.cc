// The AC/DC mutation operators (mutation.h) and the top-k SVD behind svd_topk_gaussian:
// exact (at::linalg_svd, truncated) or randomized (Halko, Martinsson & Tropp 2011, "Finding
// structure with randomness", algorithm 4.4: Gaussian test matrix, power iterations with QR
// between them, then the SVD of the small projected matrix).
//
// Randomized SVD parameters: oversampling p = max(10, k / 4), q = 1 power iteration. The cost
// is 2q + 2 = 4 passes of W against l = k + p columns plus QRs and one n×l SVD, about 10× below
// the full SVD on 2048×2048 with k = 256 and 30-50× below it on 4096×11008 (2 CPU threads,
// tests/bench/svd_mutation_bench.cc). A second power iteration costs 40% more and would miss
// the 10× goal on 2048×2048.
//
// Error against the exact SVD, the same ε (both algorithms draw it from the same stream), k =
// 256, 2048×2048, W = A diag(σ) Bᵀ with random orthonormal A, B:
//   perturbation: ‖W'_fast − W'_exact‖_F / ‖W'_exact − W‖_F;
//   values: max_i≤k |s_fast,i − s_i| / s_i.
//     σ_i = exp(−i/50):   perturbation 0.2%   values 3e-4
//     σ_i = exp(−i/100):  perturbation 7%     values 9e-3
//     σ_i = 1/i:          perturbation 55%    values 7e-2
//     σ_i = 1/√i:         perturbation ~100%  values 0.13
//     Gaussian W (flat):  perturbation ~140%  values 0.12
// The singular values are always close; the perturbation follows them only where the spectrum
// decays well within the oversampling. Derivation: the computed i-th triplet is off by about
// (σ_{l+1}/σ_i)^(2q+1), so with unit-variance ε the relative perturbation error is about
// sqrt(Σ_{i≤k} (σ_{l+1}/σ_i)^(2(2q+1)) / k): 0.5% for exp(−i/50) (measured 0.2%), 20% for 1/i
// (measured 55%). On a flat spectrum the top k triplets are not well defined even for the
// exact SVD (a tiny change of W rotates them), so the fast mutation is an independent draw of
// the same kind: a rate-sized change of s within a subspace of W's largest singular values.
// tests/worker/merge/mutation_test.cc checks the decaying case (k = 32, σ_i = exp(−i/6.4), the
// same decay relative to k) against the bound 2% (perturbation) and 1e-3 (values).
#include "worker/merge/mutation.h"

#include <ATen/CPUGeneratorImpl.h>

#include <algorithm>
#include <cmath>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "worker/merge/tensor_seed.h"

namespace acdc {
namespace {

constexpr int kPowerIterations = 1;

int64_t Oversampling(int64_t k) { return std::max<int64_t>(10, k / 4); }

// Independent streams for the noise and the range finder, apart from the merge method's own
// draws (TensorSeed(recipe seed, name)) even when the merge and mutation seeds are equal.
uint64_t NoiseSeed(uint64_t seed, const std::string& tensor_name) {
  return TensorSeed(TensorSeed(seed, tensor_name), "mutation/noise");
}
uint64_t RangeFinderSeed(uint64_t seed, const std::string& tensor_name) {
  return TensorSeed(TensorSeed(seed, tensor_name), "mutation/range_finder");
}

// Draws on a CPU generator, then moved: the same numbers whatever device the tensor is on.
at::Tensor Normal(at::IntArrayRef sizes, uint64_t seed, const at::Device& device) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::randn(sizes, generator, at::TensorOptions().dtype(at::kFloat)).to(device);
}
at::Tensor Uniform(at::IntArrayRef sizes, uint64_t seed, const at::Device& device) {
  at::Generator generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  return at::rand(sizes, generator, at::TensorOptions().dtype(at::kFloat)).to(device);
}

at::Tensor Orthonormalize(const at::Tensor& y) { return std::get<0>(at::linalg_qr(y)); }

SingularTriplets ExactTriplets(const at::Tensor& w, int64_t k) {
  auto [u, s, vh] = at::linalg_svd(w, /*full_matrices=*/false);
  return {u.narrow(1, 0, k), s.narrow(0, 0, k), vh.narrow(0, 0, k).t()};
}

SingularTriplets RandomizedTriplets(const at::Tensor& w, int64_t k, int64_t l, uint64_t seed) {
  // The SVD at the end is of Wᵀ Q, n×l: work on the transpose when n is the longer side.
  if (w.size(1) > w.size(0)) {
    const SingularTriplets transposed = RandomizedTriplets(w.t(), k, l, seed);
    return {transposed.v, transposed.s, transposed.u};
  }
  // Q: a basis of (W Wᵀ)^q W Ω, W's dominant column space. QR after every product keeps the
  // float32 columns from collapsing onto the top singular vector.
  at::Tensor q = Orthonormalize(at::matmul(w, Normal({w.size(1), l}, seed, w.device())));
  for (int i = 0; i < kPowerIterations; ++i) {
    q = Orthonormalize(at::matmul(w, Orthonormalize(at::matmul(w.t(), q))));
  }
  // W ≈ Q Qᵀ W, and Qᵀ W = (Wᵀ Q)ᵀ: the SVD of the tall Wᵀ Q = V diag(s) Zᵀ (faster than that
  // of the wide Qᵀ W) gives W ≈ (Q Z) diag(s) Vᵀ.
  auto [v, s, zh] = at::linalg_svd(at::matmul(w.t(), q), /*full_matrices=*/false);
  return {at::matmul(q, zh.narrow(0, 0, k).t()), s.narrow(0, 0, k), v.narrow(1, 0, k)};
}

// The SVD mutations apply to non-empty 2-D tensors; others (biases, norms) pass through.
bool IsMatrix(const at::Tensor& w) { return w.dim() == 2 && w.size(0) > 0 && w.size(1) > 0; }

at::Tensor SvdTopkGaussian(const MutationRecipe& recipe, const std::string& tensor_name,
                           const at::Tensor& w) {
  const int64_t k = std::min({recipe.k, w.size(0), w.size(1)});
  const SingularTriplets top =
      TopSingularTriplets(w, k, recipe.algorithm, RangeFinderSeed(recipe.seed, tensor_name));
  at::Tensor epsilon = Normal({k}, NoiseSeed(recipe.seed, tensor_name), w.device());
  // s' − s with s' = max(0, s + rate·ε): W' = W + U_k diag(s' − s) V_kᵀ needs only the top k.
  at::Tensor change = at::clamp_min(epsilon.mul_(recipe.rate).add_(top.s), 0).sub_(top.s);
  return at::addmm(w, top.u * change, top.v.t());
}

absl::StatusOr<at::Tensor> CycleQdSvd(const MutationRecipe& recipe, const std::string& tensor_name,
                                      const at::Tensor& w, const at::Tensor& base) {
  if (!base.defined()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor ", tensor_name, ": the cycleqd_svd mutation needs the base model's tensor"));
  }
  if (!base.sizes().equals(w.sizes())) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor ", tensor_name, ": shape ", c10::str(w.sizes()),
                     " differs from the base model's ", c10::str(base.sizes())));
  }
  auto [u, s, vh] = at::linalg_svd(w - base.to(at::kFloat), /*full_matrices=*/false);
  at::Tensor scale = Uniform({s.size(0)}, NoiseSeed(recipe.seed, tensor_name), w.device());
  return at::addmm(w, u * scale.mul_(recipe.rate).mul_(s), vh);
}

at::Tensor Gaussian(const MutationRecipe& recipe, const std::string& tensor_name,
                    const at::Tensor& w) {
  // The population std, so a one-element tensor gets no noise rather than NaN.
  const at::Tensor scale = at::std(w, /*unbiased=*/false).mul_(recipe.rate);
  return Normal(w.sizes(), NoiseSeed(recipe.seed, tensor_name), w.device()).mul_(scale).add_(w);
}

}  // namespace

SingularTriplets TopSingularTriplets(const at::Tensor& w, int64_t k, SvdAlgorithm algorithm,
                                     uint64_t seed) {
  TORCH_CHECK(w.dim() == 2, "TopSingularTriplets needs a 2-D tensor, got ", w.sizes());
  k = std::min({k, w.size(0), w.size(1)});
  TORCH_CHECK(k > 0, "TopSingularTriplets needs k > 0");
  const int64_t l = k + Oversampling(k);
  // Where k + p reaches the smaller side the randomized SVD would do the full work anyway.
  if (algorithm == SvdAlgorithm::kExact || l >= std::min(w.size(0), w.size(1))) {
    return ExactTriplets(w, k);
  }
  return RandomizedTriplets(w, k, l, seed);
}

absl::StatusOr<at::Tensor> MutateTensor(const MutationRecipe& recipe,
                                        const std::string& tensor_name, const at::Tensor& weight,
                                        const at::Tensor& base) {
  if (!std::isfinite(recipe.rate) || recipe.rate < 0) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor ", tensor_name, ": mutation rate must be finite and >= 0, got ", recipe.rate));
  }
  if (recipe.method == MutationMethod::kSvdTopkGaussian && recipe.k < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor ", tensor_name, ": svd_topk_gaussian needs k >= 1, got ", recipe.k));
  }
  if (!at::isFloatingType(weight.scalar_type())) return weight;
  const at::Tensor w = weight.to(at::kFloat);
  switch (recipe.method) {
    case MutationMethod::kSvdTopkGaussian:
      if (!IsMatrix(w)) return w;
      return SvdTopkGaussian(recipe, tensor_name, w);
    case MutationMethod::kCycleQdSvd:
      if (!IsMatrix(w)) return w;
      return CycleQdSvd(recipe, tensor_name, w, base);
    case MutationMethod::kGaussian:
      return Gaussian(recipe, tensor_name, w);
  }
  return absl::InternalError(absl::StrCat("tensor ", tensor_name, ": unknown mutation method"));
}

}  // namespace acdc
