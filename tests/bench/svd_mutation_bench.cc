// Benchmark of the svd_topk_gaussian mutation (a benchmark, not a test; not in ctest): times
// MutateTensor with the exact and the fast (randomized) SVD, k = 256, rate 0.25, on a 2048×2048
// and a 4096×11008 float32 matrix with a decaying spectrum, and prints the speedup (goal: fast
// ≥ 10× exact on both) and the fast one's error against the exact one:
//   perturbation  ‖W'_fast − W'_exact‖_F / ‖W'_exact − W‖_F, the same ε in both;
//   values        max_{i≤k} |s_fast,i − s_i| / s_i, the top-k singular values.
// --spectra prints instead the errors on 2048×2048 for the spectra of mutation.cc's table.
//
//   build/bin/svd_mutation_bench [--spectra]
#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <string>
#include <utility>

#include "worker/merge/mutation.h"

namespace acdc {
namespace {

constexpr int64_t kTopK = 256;
constexpr double kRate = 0.25;
constexpr int kFastRuns = 5;  // best of several: a busy machine's timings vary 2-3×
const char kName[] = "model.layers.0.mlp.up_proj.weight";

at::Generator Generator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// Best wall time of `runs` calls, in seconds; the last call's result stays in `result`.
double BestSeconds(int runs, const std::function<at::Tensor()>& call, at::Tensor& result) {
  double best = 1e30;
  for (int run = 0; run < runs; ++run) {
    const auto start = std::chrono::steady_clock::now();
    result = call();
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - start;
    best = std::min(best, took.count());
  }
  return best;
}

at::Tensor Orthonormal(int64_t m, int64_t r, at::Generator& generator) {
  return std::get<0>(at::linalg_qr(at::randn({m, r}, generator, at::kFloat)));
}

// A diag(σ) Bᵀ with random orthonormal A (m×r), B (n×r), plus Gaussian noise of std `noise`.
at::Tensor WithSpectrum(int64_t m, int64_t n, const at::Tensor& sigma, double noise) {
  at::Generator generator = Generator(42);
  const int64_t r = sigma.size(0);
  at::Tensor w = at::matmul(Orthonormal(m, r, generator) * sigma, Orthonormal(n, r, generator).t());
  if (noise > 0) w.add_(at::randn({m, n}, generator, at::kFloat), noise);
  return w;
}

// The benchmark matrices: σ_i = exp(−i/50) over 512 directions, above a noise floor whose
// singular values are about 1e-3 (reached near i = 345).
at::Tensor Decaying(int64_t m, int64_t n) {
  const at::Tensor sigma = at::exp(-at::arange(512, at::kFloat) / 50);
  return WithSpectrum(m, n, sigma, 1e-3 / (std::sqrt(double(m)) + std::sqrt(double(n))));
}

MutationRecipe Recipe(SvdAlgorithm algorithm) {
  MutationRecipe recipe;
  recipe.method = MutationMethod::kSvdTopkGaussian;
  recipe.rate = kRate;
  recipe.k = kTopK;
  recipe.seed = 1;
  recipe.algorithm = algorithm;
  return recipe;
}

at::Tensor Mutate(SvdAlgorithm algorithm, const at::Tensor& w) {
  return MutateTensor(Recipe(algorithm), kName, w, at::Tensor()).value();
}

double PerturbationError(const at::Tensor& w, const at::Tensor& exact, const at::Tensor& fast) {
  return ((fast - exact).norm() / (exact - w).norm()).item<double>();
}

double ValuesError(const at::Tensor& w) {
  const at::Tensor exact = at::linalg_svdvals(w).narrow(0, 0, kTopK);
  const at::Tensor fast = TopSingularTriplets(w, kTopK, SvdAlgorithm::kFast, 7).s;
  return ((fast - exact).abs() / exact).max().item<double>();
}

void Time(int64_t m, int64_t n, int exact_runs) {
  const at::Tensor w = Decaying(m, n);
  at::Tensor exact, fast;
  const double exact_s = BestSeconds(
      exact_runs, [&] { return Mutate(SvdAlgorithm::kExact, w); }, exact);
  const double fast_s = BestSeconds(
      kFastRuns, [&] { return Mutate(SvdAlgorithm::kFast, w); }, fast);
  std::printf(
      "%5lld x %-5lld  exact %8.3f s (best of %d)  fast %7.3f s (best of %d)  speedup %5.1fx  "
      "error: perturbation %.2e, values %.2e\n",
      static_cast<long long>(m), static_cast<long long>(n), exact_s, exact_runs, fast_s, kFastRuns,
      exact_s / fast_s, PerturbationError(w, exact, fast), ValuesError(w));
  std::fflush(stdout);
}

void Spectra() {
  const int64_t n = 2048;
  const at::Tensor i = at::arange(1, n + 1, at::kFloat);
  const std::pair<const char*, at::Tensor> spectra[] = {
      {"exp(-i/50)", at::exp(-(i - 1) / 50)},
      {"exp(-i/100)", at::exp(-(i - 1) / 100)},
      {"1/i", 1 / i},
      {"1/sqrt(i)", at::rsqrt(i)},
  };
  for (const auto& [label, sigma] : spectra) {
    const at::Tensor w = WithSpectrum(n, n, sigma, 0);
    const double error =
        PerturbationError(w, Mutate(SvdAlgorithm::kExact, w), Mutate(SvdAlgorithm::kFast, w));
    std::printf("2048 x 2048 sigma_i = %-12s error: perturbation %.2e, values %.2e\n", label, error,
                ValuesError(w));
    std::fflush(stdout);
  }
  const at::Tensor w = at::randn({n, n}, Generator(43), at::kFloat) / std::sqrt(double(n));
  const double error =
      PerturbationError(w, Mutate(SvdAlgorithm::kExact, w), Mutate(SvdAlgorithm::kFast, w));
  std::printf("2048 x 2048 Gaussian (flat)      error: perturbation %.2e, values %.2e\n", error,
              ValuesError(w));
}

}  // namespace
}  // namespace acdc

int main(int argc, char** argv) {
  std::printf("svd_topk_gaussian k=%lld rate=%.2f, at::get_num_threads() = %d\n",
              static_cast<long long>(acdc::kTopK), acdc::kRate, at::get_num_threads());
  if (argc > 1 && std::strcmp(argv[1], "--spectra") == 0) {
    acdc::Spectra();
    return 0;
  }
  acdc::Time(2048, 2048, /*exact_runs=*/2);
  acdc::Time(4096, 11008, /*exact_runs=*/1);
  return 0;
}
