// Dominated Novelty Search against scores computed by hand from DESIGN.md's definition,
// including the reference's order-dependent tie rule.
#include "coordinator/evolution/dominated_novelty_search.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace acdc {
namespace {

using ::testing::DoubleNear;
using ::testing::ElementsAre;

DnsCandidate Candidate(std::vector<uint8_t> skills) {
  DnsCandidate candidate;
  double sum = 0;
  for (uint8_t skill : skills) sum += skill;
  candidate.fitness = skills.empty() ? 0 : sum / static_cast<double>(skills.size());
  candidate.skills = std::move(skills);
  return candidate;
}

TEST(DominatedNoveltySearchTest, ScoresByDifficultyWeightedDistinctnessFromFitterModels) {
  // w = (1/3, 2/3, 1/3, 2/3), sum 2. A has no fitter model: 999. B's fitter set is {A}:
  // B solves t3 and A does not, u = 100 * (2/3) / 2. C's is {A, B}: u_CA = 0 (A solves t0),
  // u_CB = 100 * (1/3) / 2; the mean of both (fewer than k = 3).
  const std::vector<DnsCandidate> candidates = {Candidate({1, 1, 1, 0}), Candidate({0, 0, 1, 1}),
                                                Candidate({1, 0, 0, 0})};
  DnsOptions options;
  options.keep = 2;
  const DnsResult result = DominatedNoveltySearch(candidates, options);
  EXPECT_THAT(result.scores, ElementsAre(DoubleNear(999, 1e-9), DoubleNear(100.0 / 3, 1e-9),
                                         DoubleNear(25.0 / 3, 1e-9)));
  EXPECT_THAT(result.survivors, ElementsAre(0, 1));
}

TEST(DominatedNoveltySearchTest, TheFirstOfEqualBestModelsInListOrderGetsTheDominatedScore) {
  const DnsCandidate x = Candidate({1, 0});
  const DnsCandidate y = Candidate({0, 1});
  DnsOptions options;
  options.keep = 1;
  // Before any 999, fitter means strictly fitter: the first maximal model has none. After it,
  // equal fitness counts as fitter, so the second one is scored against the first.
  const DnsResult xy = DominatedNoveltySearch({x, y}, options);
  EXPECT_THAT(xy.scores, ElementsAre(999, DoubleNear(50, 1e-9)));
  EXPECT_THAT(xy.survivors, ElementsAre(0));
  const DnsResult yx = DominatedNoveltySearch({y, x}, options);
  EXPECT_THAT(yx.scores, ElementsAre(999, DoubleNear(50, 1e-9)));
  EXPECT_THAT(yx.survivors, ElementsAre(0));
}

TEST(DominatedNoveltySearchTest, AfterTheFlagALessFitModelCountsEqualOnesAsFitter) {
  // X (0.5) gets 999 and sets the flag; Z (0.25) then has fitter set {X, Y}; Y (0.5, equal to
  // X) has {X}.
  const DnsCandidate x = Candidate({1, 1, 0, 0});
  const DnsCandidate z = Candidate({0, 0, 1, 0});
  const DnsCandidate y = Candidate({1, 1, 0, 0});
  DnsOptions options;
  options.k = 1;
  const DnsResult result = DominatedNoveltySearch({x, z, y}, options);
  // w = (1/3, 1/3, 2/3, 1), sum 7/3. Z solves t2, neither X nor Y does: u = 100 * (2/3)/(7/3).
  EXPECT_THAT(result.scores, ElementsAre(999, DoubleNear(200.0 / 7, 1e-9), DoubleNear(0, 1e-9)));
  EXPECT_THAT(result.survivors, ElementsAre(0, 1, 2));
}

TEST(DominatedNoveltySearchTest, AllWeightsZeroGiveZeroDistinctnessAndTiesKeepListOrder) {
  // Every model solves every task: no weight, u = 0 for all after the first.
  const DnsResult result = DominatedNoveltySearch(
      {Candidate({1, 1}), Candidate({1, 1}), Candidate({1, 1})}, DnsOptions{});
  EXPECT_THAT(result.scores, ElementsAre(999, 0, 0));
  EXPECT_THAT(result.survivors, ElementsAre(0, 1, 2));
}

TEST(DominatedNoveltySearchTest, FewerCandidatesThanThePopulationAllSurviveSortedByScore) {
  const std::vector<DnsCandidate> candidates = {Candidate({1, 0, 0}), Candidate({1, 1, 0}),
                                                Candidate({0, 0, 1})};
  DnsOptions options;
  options.keep = 16;
  const DnsResult result = DominatedNoveltySearch(candidates, options);
  // The second is the fittest (999); the third solves what the fitter ones do not.
  EXPECT_EQ(result.scores[1], 999);
  EXPECT_THAT(result.survivors, ElementsAre(1, 2, 0));
}

TEST(DominatedNoveltySearchTest, ASingleCandidateAndNoTasks) {
  EXPECT_THAT(DominatedNoveltySearch({Candidate({})}, DnsOptions{}).survivors, ElementsAre(0));
  EXPECT_TRUE(DominatedNoveltySearch({}, DnsOptions{}).survivors.empty());
}

}  // namespace
}  // namespace acdc

namespace acdc {
namespace {

// The definition written out task by task in doubles, for random inputs.
std::vector<double> DefinitionScores(const std::vector<DnsCandidate>& c, int k) {
  const size_t n = c.size();
  const size_t tasks = c[0].skills.size();
  std::vector<double> w(tasks, 0);
  for (const auto& x : c) {
    for (size_t t = 0; t < tasks; ++t) w[t] += x.skills[t] ? 0.0 : 1.0 / n;
  }
  double total = 0;
  for (double v : w) total += v;
  std::vector<double> scores(n);
  bool found = false;
  for (size_t i = 0; i < n; ++i) {
    std::vector<double> u;
    for (size_t j = 0; j < n; ++j) {
      if (found ? (j != i && c[j].fitness >= c[i].fitness) : c[j].fitness > c[i].fitness) {
        double sum = 0;
        for (size_t t = 0; t < tasks; ++t) sum += c[i].skills[t] && !c[j].skills[t] ? w[t] : 0;
        u.push_back(total == 0 ? 0 : 100 * sum / total);
      }
    }
    if (u.empty()) {
      scores[i] = 999;
      found = true;
      continue;
    }
    std::sort(u.begin(), u.end());
    const size_t m = std::min<size_t>(u.size(), static_cast<size_t>(k));
    double sum = 0;
    for (size_t q = 0; q < m; ++q) sum += u[q];
    scores[i] = sum / m;
  }
  return scores;
}

TEST(DominatedNoveltySearchTest, MatchesTheDefinitionOnRandomArchives) {
  uint64_t state = 12345;
  auto next = [&state] {
    state = state * 6364136223846793005ULL + 1442695040888963407ULL;
    return state >> 33;
  };
  for (int trial = 0; trial < 20; ++trial) {
    const size_t n = 2 + next() % 30;
    const size_t tasks = 1 + next() % 300;
    std::vector<DnsCandidate> candidates(n);
    for (auto& candidate : candidates) {
      const uint64_t ability = next() % 100;
      candidate.skills.resize(tasks);
      double solved = 0;
      for (size_t t = 0; t < tasks; ++t) {
        candidate.skills[t] = next() % 100 < ability;
        solved += candidate.skills[t];
      }
      candidate.fitness = solved / tasks;
    }
    const std::vector<double> expected = DefinitionScores(candidates, 3);
    const DnsResult result = DominatedNoveltySearch(candidates, DnsOptions{});
    for (size_t i = 0; i < n; ++i) {
      EXPECT_NEAR(result.scores[i], expected[i], 1e-9) << "trial " << trial << ", candidate " << i;
    }
  }
}

}  // namespace
}  // namespace acdc
