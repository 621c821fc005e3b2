// The AC/DC mutation operators (mutation.h) and the top-k SVD behind svd_topk_gaussian:
// exact (at::linalg_svd, truncated) or randomized (Halko, Martinsson & Tropp 2011, "Finding
// structure with randomness", algorithms 4.4 and 5.1: a Gaussian test matrix, q power
// iterations with QR between the products, then the SVD of the l×n projection Qᵀ W).
//
// Randomized SVD parameters: oversampling p = max(10, k/4), q = 1, so l = k + p = 320 for the
// default k = 256. The cost is 2q + 2 = 4 products of W with l columns, 3 QRs of an m×l matrix
// and one SVD of an n×l one: on 2 CPU threads 0.125 s against 1.3 s for the full SVD on
// 2048×2048 (10×) and ~2.5 s against 56-150 s on 4096×11008 (~35×), best figures of a shared
// machine (tests/bench/svd_mutation_bench.cc). A second power iteration would cost ~40% more
// and miss the 10× goal on 2048×2048; for the same time, three products with l = 384 (p = k/2)
// do better on a clean exponential decay and worse above a noise floor.
//
// Error of the fast SVD against the exact one, with the same ε (both draw it from one stream):
//   perturbation = ‖W'_fast − W'_exact‖_F / ‖W'_exact − W‖_F,
//   values       = max_{i≤k} |s_fast,i − s_i| / s_i,
// measured with k = 256 on 2048×2048 W = A diag(σ) Bᵀ (random orthonormal A, B):
//   σ_i = exp(−i/50)    perturbation 0.2-0.7%  values 2e-4 to 4e-4
//   σ_i = exp(−i/100)   perturbation 7%        values 7e-3
//   σ_i = 1/i           perturbation 55-70%    values 7e-2
//   σ_i = 1/√i          perturbation 100%      values 0.13
//   Gaussian W (flat)   perturbation 140%      values 0.12
// (the 0.7% is exp(−i/50) above a 1e-3 noise floor, the benchmark's matrices; 0.8% on
// 4096×11008). The error comes from the triplets near k, whose computed vectors are off by
// about (σ_{l+1}/σ_i)^(2q+1); sqrt(mean_{i≤k} (σ_{l+1}/σ_i)^(2(2q+1))) estimates it at 0.4%, 4%
// and 20% for the first three rows: right for a fast decay, 3× low for a slow one.
// So the bound, checked by tests/worker/merge/mutation_test.cc on 512×384 with k = 32 and
// σ_i = exp(−i/6.4) (the same decay relative to k, measured 0.15% and 2e-5), is: where σ decays
// at least as fast as exp(−5i/k), perturbation < 1% and values < 1e-3. The singular values
// stay within 15% (from below: Q Qᵀ W is a projection) on every spectrum above; the
// perturbation does not. On a slow or flat spectrum the top-k triplets are ill-defined even for
// the exact SVD (a tiny change of W rotates them), and the fast mutation is an independent draw
// of the same kind: a rate-sized change of the singular values along a subspace close to W's
// dominant one. Where trained weights' spectra are that slow (not measured here), kFast and
// kExact give different children from the same seed.
#include "worker/merge/mutation.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <cmath>
#include <mutex>
#include <optional>

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

namespace {

std::mutex& CpuMutationMutex() {
  static std::mutex mutex;
  return mutex;
}

// Sets ATen's intra-op thread count for its lifetime.
class ThreadCountScope {
 public:
  explicit ThreadCountScope(int threads) : saved_(at::get_num_threads()) {
    at::set_num_threads(threads);
  }
  ~ThreadCountScope() { at::set_num_threads(saved_); }
  ThreadCountScope(const ThreadCountScope&) = delete;
  ThreadCountScope& operator=(const ThreadCountScope&) = delete;

 private:
  int saved_;
};

}  // namespace

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
  // BLAS and LAPACK on the CPU split their sums by thread count, so the same recipe would give
  // other bits on a worker with another count (or the same worker under load). Mutations run on
  // one thread there, one at a time, so a child is the same wherever it is made. CUDA kernels
  // do not depend on a thread count.
  std::unique_lock<std::mutex> one_at_a_time(CpuMutationMutex(), std::defer_lock);
  std::optional<ThreadCountScope> single_thread;
  if (w.device().is_cpu()) {
    one_at_a_time.lock();
    single_thread.emplace(1);
  }
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
