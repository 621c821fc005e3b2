// The mutation operators against their definitions: reproducible draws per (seed, tensor
// name); svd_topk_gaussian moves only the top k singular values, by N(0, rate), clamped at 0,
// and its fast (randomized) SVD stays within mutation.cc's documented error of the exact one
// on a decaying spectrum; cycleqd_svd scales τ = W − base's singular values by U(0, rate);
// gaussian adds noise of std rate·std(W). Matrices with a known SVD, W = A diag(σ) Bᵀ, let a
// test read the mutated singular values off Aᵀ W' B without re-running an SVD.
#include "worker/merge/mutation.h"

#include <ATen/CPUGeneratorImpl.h>
#include <ATen/Parallel.h>

#include <cmath>
#include <ostream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using ::testing::HasSubstr;

// Small matrices: one thread is as fast, and immune to a busy machine's OpenMP spin-waits
// (two threads on a loaded two-core machine took this binary from 1 s to 20 s).
class SingleThreaded : public ::testing::Environment {
 public:
  void SetUp() override { at::set_num_threads(1); }
};
::testing::Environment* const single_threaded =
    ::testing::AddGlobalTestEnvironment(new SingleThreaded);

at::Generator Generator(uint64_t seed) { return at::make_generator<at::CPUGeneratorImpl>(seed); }

// A random m×r matrix with orthonormal columns.
at::Tensor Orthonormal(int64_t m, int64_t r, at::Generator& generator) {
  return std::get<0>(at::linalg_qr(at::randn({m, r}, generator, at::kFloat)));
}

// W = A diag(σ) Bᵀ with random orthonormal A (m×r), B (n×r), r = σ's length.
struct KnownSvd {
  at::Tensor w, a, b, sigma;
};

KnownSvd WithSpectrum(int64_t m, int64_t n, const at::Tensor& sigma, uint64_t seed) {
  at::Generator generator = Generator(seed);
  const int64_t r = sigma.size(0);
  KnownSvd known{at::Tensor(), Orthonormal(m, r, generator), Orthonormal(n, r, generator), sigma};
  known.w = at::matmul(known.a * sigma, known.b.t());
  return known;
}

// Aᵀ M B: diagonal when M's singular vectors are A's and B's columns.
at::Tensor Coefficients(const KnownSvd& known, const at::Tensor& m) {
  return at::matmul(at::matmul(known.a.t(), m), known.b);
}

double OffDiagonalMax(const at::Tensor& c) {
  return (c - at::diag_embed(c.diagonal())).abs().max().item<double>();
}

at::Tensor Decaying(int64_t r, double length) {
  return at::exp(-at::arange(r, at::kFloat) / length);
}

at::Tensor Mutate(const MutationRecipe& recipe, const std::string& name, const at::Tensor& w,
                  const at::Tensor& base = at::Tensor()) {
  absl::StatusOr<at::Tensor> mutated = MutateTensor(recipe, name, w, base);
  EXPECT_TRUE(mutated.ok()) << mutated.status();
  return mutated.ok() ? *mutated : at::Tensor();
}

MutationRecipe Recipe(MutationMethod method, double rate, uint64_t seed = 7) {
  MutationRecipe recipe;
  recipe.method = method;
  recipe.rate = rate;
  recipe.seed = seed;
  return recipe;
}

MutationRecipe SvdRecipe(SvdAlgorithm algorithm, int64_t k, double rate, uint64_t seed = 7) {
  MutationRecipe recipe = Recipe(MutationMethod::kSvdTopkGaussian, rate, seed);
  recipe.algorithm = algorithm;
  recipe.k = k;
  return recipe;
}

// --- Reproducibility, for every method -------------------------------------------------------

struct MethodCase {
  std::string label;
  MutationRecipe recipe;
};

// So ctest lists the case by name, not as a byte dump.
void PrintTo(const MethodCase& method, std::ostream* out) { *out << method.label; }

class EveryMethodTest : public ::testing::TestWithParam<MethodCase> {
 protected:
  // A 96×64 weight and a base it differs from (cycleqd_svd needs τ ≠ 0).
  void SetUp() override {
    at::Generator generator = Generator(1);
    base_ = at::randn({96, 64}, generator, at::kFloat);
    weight_ = base_ + 0.1 * at::randn({96, 64}, generator, at::kFloat);
  }
  at::Tensor Run(uint64_t seed, const std::string& name) {
    MutationRecipe recipe = GetParam().recipe;
    recipe.seed = seed;
    return Mutate(recipe, name, weight_, base_);
  }
  at::Tensor weight_, base_;
};

TEST_P(EveryMethodTest, SameSeedAndNameGiveTheSameTensor) {
  const at::Tensor first = Run(11, "model.layers.0.mlp.up_proj.weight");
  at::manual_seed(123);  // the global generator plays no part
  const at::Tensor second = Run(11, "model.layers.0.mlp.up_proj.weight");
  EXPECT_FALSE(at::equal(first, weight_));
  EXPECT_TRUE(at::equal(first, second));
  EXPECT_EQ(first.scalar_type(), at::kFloat);
  EXPECT_EQ(first.sizes(), weight_.sizes());
}

TEST_P(EveryMethodTest, DifferentSeedsOrNamesGiveDifferentNoise) {
  const at::Tensor reference = Run(11, "model.layers.0.mlp.up_proj.weight");
  EXPECT_FALSE(at::allclose(Run(12, "model.layers.0.mlp.up_proj.weight"), reference));
  EXPECT_FALSE(at::allclose(Run(11, "model.layers.1.mlp.up_proj.weight"), reference));
}

TEST_P(EveryMethodTest, DrawsDoNotDependOnTheDevice) {
  if (!at::hasCUDA()) GTEST_SKIP() << "no CUDA device";
  const MutationRecipe& recipe = GetParam().recipe;
  const at::Tensor on_cpu = Mutate(recipe, "w", weight_, base_);
  const at::Tensor on_cuda = Mutate(recipe, "w", weight_.cuda(), base_.cuda());
  EXPECT_TRUE(on_cuda.is_cuda());
  EXPECT_TRUE(at::allclose(on_cuda.cpu(), on_cpu, /*rtol=*/1e-4, /*atol=*/1e-4))
      << "max difference " << (on_cuda.cpu() - on_cpu).abs().max().item<float>();
}

INSTANTIATE_TEST_SUITE_P(
    Methods, EveryMethodTest,
    ::testing::Values(MethodCase{"SvdTopkExact", SvdRecipe(SvdAlgorithm::kExact, 16, 0.25)},
                      // k + p below the smaller side, so the randomized path runs.
                      MethodCase{"SvdTopkFast", SvdRecipe(SvdAlgorithm::kFast, 16, 0.25)},
                      MethodCase{"CycleQd", Recipe(MutationMethod::kCycleQdSvd, 0.25)},
                      MethodCase{"Gaussian", Recipe(MutationMethod::kGaussian, 0.25)}),
    [](const ::testing::TestParamInfo<MethodCase>& info) { return info.param.label; });

TEST(MutationTest, RejectsANegativeRateNamingTheTensor) {
  const absl::StatusOr<at::Tensor> mutated =
      MutateTensor(Recipe(MutationMethod::kGaussian, -1), "lm_head.weight", at::ones({4, 4}), {});
  ASSERT_FALSE(mutated.ok());
  EXPECT_THAT(mutated.status().message(), HasSubstr("lm_head.weight"));
}

// --- svd_topk_gaussian ------------------------------------------------------------------------

TEST(SvdTopkGaussianTest, PerturbsTheTopKSingularValuesByRate) {
  // Well separated singular values 10 → 5, far above the noise, so none is clamped.
  const KnownSvd known = WithSpectrum(400, 300, at::linspace(10, 5, 300), /*seed=*/2);
  const int64_t k = 200;
  const double rate = 0.25;
  const at::Tensor c =
      Coefficients(known, Mutate(SvdRecipe(SvdAlgorithm::kExact, k, rate),
                                 "model.layers.3.self_attn.o_proj.weight", known.w));
  // The change stays on the singular triplets: Aᵀ W' B is diagonal.
  EXPECT_LT(OffDiagonalMax(c), 2e-3);
  const at::Tensor change = c.diagonal() - known.sigma;
  EXPECT_LT(change.narrow(0, k, 300 - k).abs().max().item<double>(), 2e-3)
      << "singular values beyond k moved";
  // The top k moved by N(0, rate): 200 draws put the sample mean within 4 standard errors
  // (0.07) of 0 and the sample std within 0.05 of rate.
  const at::Tensor top = change.narrow(0, 0, k);
  EXPECT_LT(std::abs(top.mean().item<double>()), 4 * rate / std::sqrt(k));
  EXPECT_NEAR(top.std().item<double>(), rate, 0.05);
}

TEST(SvdTopkGaussianTest, ClampsSingularValuesAtZero) {
  // σ ≤ 1 against rate 5: about half of the top 100 would go negative and become exactly 0.
  const KnownSvd known = WithSpectrum(200, 150, at::linspace(1, 0.1, 150), /*seed=*/3);
  const at::Tensor c =
      Coefficients(known, Mutate(SvdRecipe(SvdAlgorithm::kExact, 100, 5.0), "w", known.w));
  const at::Tensor top = c.diagonal().narrow(0, 0, 100);
  EXPECT_GT(top.min().item<double>(), -1e-4) << "a singular value went negative";
  EXPECT_GE((top.abs() < 1e-4).sum().item<int64_t>(), 20);
  EXPECT_GE((top > 1.0).sum().item<int64_t>(), 20);
  EXPECT_LT(OffDiagonalMax(c), 1e-3);
}

TEST(SvdTopkGaussianTest, KAboveTheRankPerturbsEverySingularValue) {
  const KnownSvd known = WithSpectrum(40, 30, at::linspace(10, 5, 30), /*seed=*/4);
  for (SvdAlgorithm algorithm : {SvdAlgorithm::kExact, SvdAlgorithm::kFast}) {
    const at::Tensor c = Coefficients(known, Mutate(SvdRecipe(algorithm, 256, 0.25), "w", known.w));
    EXPECT_GT((c.diagonal() - known.sigma).abs().min().item<double>(), 1e-5);
  }
}

TEST(SvdTopkGaussianTest, FastStaysWithinTheDocumentedErrorOfExact) {
  // σ_i = exp(−5i/k): the decay of exp(−i/50) for k = 256 (mutation.cc's bound).
  const int64_t k = 32;
  const KnownSvd known = WithSpectrum(512, 384, Decaying(384, 6.4), /*seed=*/5);
  const std::string name = "model.layers.7.mlp.down_proj.weight";
  const at::Tensor exact = Mutate(SvdRecipe(SvdAlgorithm::kExact, k, 0.25), name, known.w);
  const at::Tensor fast = Mutate(SvdRecipe(SvdAlgorithm::kFast, k, 0.25), name, known.w);
  // Both draw the same ε, so they differ only by the SVD's error.
  const double error = ((fast - exact).norm() / (exact - known.w).norm()).item<double>();
  EXPECT_LT(error, 0.01);
}

TEST(SvdTopkGaussianTest, OneDimensionalTensorsPassThrough) {
  const at::Tensor bias = at::randn({64}, Generator(6), at::kFloat);
  for (SvdAlgorithm algorithm : {SvdAlgorithm::kExact, SvdAlgorithm::kFast}) {
    EXPECT_TRUE(at::equal(Mutate(SvdRecipe(algorithm, 8, 0.25), "norm.weight", bias), bias));
  }
  EXPECT_TRUE(at::equal(
      Mutate(Recipe(MutationMethod::kCycleQdSvd, 0.25), "norm.weight", bias, bias * 2), bias));
}

TEST(TopSingularTripletsTest, FastAgreesWithExactOnTallAndWideMatrices) {
  const int64_t k = 32;
  const KnownSvd known = WithSpectrum(512, 384, Decaying(384, 6.4), /*seed=*/8);
  for (const at::Tensor& w : {known.w, known.w.t()}) {
    const SingularTriplets exact = TopSingularTriplets(w, k, SvdAlgorithm::kExact, 0);
    const SingularTriplets fast = TopSingularTriplets(w, k, SvdAlgorithm::kFast, 9);
    ASSERT_EQ(fast.u.sizes(), (at::IntArrayRef{w.size(0), k}));
    ASSERT_EQ(fast.v.sizes(), (at::IntArrayRef{w.size(1), k}));
    EXPECT_TRUE(at::allclose(exact.s, known.sigma.narrow(0, 0, k), /*rtol=*/1e-4, /*atol=*/1e-6));
    EXPECT_LT(((fast.s - exact.s).abs() / exact.s).max().item<double>(), 1e-3);
    // Orthonormal columns, and W's own singular pairs: u_iᵀ W v_i = s_i.
    EXPECT_TRUE(at::allclose(at::matmul(fast.u.t(), fast.u), at::eye(k), 0, 1e-4));
    EXPECT_TRUE(at::allclose(at::matmul(fast.v.t(), fast.v), at::eye(k), 0, 1e-4));
    EXPECT_TRUE(at::allclose((fast.u * at::matmul(w, fast.v)).sum(0), fast.s, 1e-3, 1e-6));
  }
}

// --- cycleqd_svd ------------------------------------------------------------------------------

TEST(CycleQdSvdTest, WeightEqualToBaseIsUnchanged) {
  const at::Tensor w = at::randn({48, 32}, Generator(10), at::kFloat);
  EXPECT_TRUE(at::equal(Mutate(Recipe(MutationMethod::kCycleQdSvd, 0.5), "w", w, w.clone()), w));
}

TEST(CycleQdSvdTest, ScalesTheTaskVectorsSingularValuesByUpToRate) {
  // τ of rank 20 with distinct singular values 1.0 → 2.9 on top of a random base.
  const KnownSvd tau = WithSpectrum(120, 80, at::linspace(1, 2.9, 20), /*seed=*/11);
  const at::Tensor base = at::randn({120, 80}, Generator(12), at::kFloat);
  const at::Tensor w = base + tau.w;
  const double rate = 0.5;
  const at::Tensor change = Mutate(Recipe(MutationMethod::kCycleQdSvd, rate), "w", w, base) - w;
  // In the span of τ's singular vectors: nothing outside A's columns or B's.
  const at::Tensor c = Coefficients(tau, change);
  const at::Tensor projected = at::matmul(at::matmul(tau.a, c), tau.b.t());
  EXPECT_LT((change - projected).abs().max().item<double>(), 1e-4);
  EXPECT_LT(OffDiagonalMax(c), 1e-4);
  // Each singular value grows by u_i·σ_i, u_i in [0, rate]: ‖change‖ ≤ rate·‖τ‖.
  const at::Tensor u = c.diagonal() / tau.sigma;
  EXPECT_GE(u.min().item<double>(), -1e-4);
  EXPECT_LE(u.max().item<double>(), rate + 1e-4);
  EXPECT_LE(change.norm().item<double>(), rate * tau.w.norm().item<double>());
  // Uniform: mean rate/2, std rate/√12; 20 draws put the mean within 4 standard errors.
  EXPECT_NEAR(u.mean().item<double>(), rate / 2, 4 * rate / std::sqrt(12.0 * 20));
}

TEST(CycleQdSvdTest, NeedsTheBaseTensor) {
  const at::Tensor w = at::ones({8, 4});
  const std::string name = "model.layers.2.self_attn.q_proj.weight";
  const MutationRecipe recipe = Recipe(MutationMethod::kCycleQdSvd, 0.25);
  absl::StatusOr<at::Tensor> mutated = MutateTensor(recipe, name, w, at::Tensor());
  ASSERT_FALSE(mutated.ok());
  EXPECT_THAT(mutated.status().message(), HasSubstr(name));
  mutated = MutateTensor(recipe, name, w, at::ones({4, 8}));
  ASSERT_FALSE(mutated.ok());
  EXPECT_THAT(mutated.status().message(), HasSubstr(name));
}

// --- gaussian ---------------------------------------------------------------------------------

TEST(GaussianTest, NoiseHasStdRateTimesTheWeightsStd) {
  const at::Tensor w = 1 + 3 * at::randn({256, 256}, Generator(13), at::kFloat);
  const double rate = 0.1;
  const at::Tensor change = Mutate(Recipe(MutationMethod::kGaussian, rate), "w", w) - w;
  const double expected_std = rate * w.std().item<double>();
  // 65536 draws: the sample std is within 1% of its expectation, the mean within 4 standard
  // errors of 0.
  EXPECT_NEAR(change.std().item<double>(), expected_std, 0.01 * expected_std);
  EXPECT_LT(std::abs(change.mean().item<double>()), 4 * expected_std / 256);
}

TEST(GaussianTest, MutatesEveryFloatingPointTensorOnly) {
  const at::Tensor bias = at::randn({64}, Generator(14), at::kFloat);
  EXPECT_FALSE(at::equal(Mutate(Recipe(MutationMethod::kGaussian, 0.1), "b", bias), bias));
  const at::Tensor positions = at::arange(16, at::kLong);
  EXPECT_TRUE(
      at::equal(Mutate(Recipe(MutationMethod::kGaussian, 0.1), "positions", positions), positions));
}

}  // namespace
}  // namespace acdc
