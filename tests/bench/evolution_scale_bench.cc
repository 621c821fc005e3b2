// Coordinator scale without workers: CPU time of one generation's selection (DNS over an
// archive of 256 and 8 children on a pool of 10,000 tasks, synthetic skills) and of one task
// pool adaptation (the built-in scientist, 150 new tasks, a pool of 10,000). Goal: each under
// one second. Prints one JSON line per measurement and the ratio to the goal.
#include <algorithm>
#include <ctime>
#include <iostream>
#include <random>

#include "absl/strings/str_format.h"
#include "common/tasks/builtin_families.h"
#include "coordinator/archive/model_record.h"
#include "coordinator/evolution/builtin_scientist.h"
#include "coordinator/evolution/dominated_novelty_search.h"
#include "coordinator/evolution/task_pool.h"

namespace acdc {
namespace {

double CpuSeconds() { return static_cast<double>(std::clock()) / CLOCKS_PER_SEC; }

void Report(const std::string& what, double seconds, const std::string& detail) {
  std::cout << absl::StrFormat(
                   "{\"benchmark\": \"%s\", \"cpu_s\": %.4f, \"goal_s\": 1.0, "
                   "\"fraction_of_goal\": %.3f, %s}",
                   what, seconds, seconds / 1.0, detail)
            << std::endl;
}

// The controller's selection step: skill vectors from the models' stored scores, then DNS.
void Selection(int archive, int children, int tasks) {
  std::mt19937_64 rng(1);
  std::vector<std::string> task_ids;
  for (int t = 0; t < tasks; ++t) task_ids.push_back(absl::StrFormat("t%06d", t + 1));
  std::vector<ModelRecord> models(static_cast<size_t>(archive + children));
  for (ModelRecord& model : models) {
    // Models solve between 10% and 60% of the tasks, the easier tasks more often.
    const double ability = std::uniform_real_distribution<double>(0.1, 0.6)(rng);
    for (int t = 0; t < tasks; ++t) {
      const double easiness = 0.5 + static_cast<double>(t % 100) / 100.0;
      model.scores[task_ids[static_cast<size_t>(t)]] =
          std::uniform_real_distribution<double>(0, 1)(rng) < ability * easiness ? 1.0 : 0.0;
    }
  }
  DnsOptions options;
  options.keep = archive;
  const double start = CpuSeconds();
  std::vector<DnsCandidate> candidates;
  for (const ModelRecord& model : models) {
    DnsCandidate& candidate = candidates.emplace_back();
    candidate.skills = SkillVector(model, task_ids, 0.5);
    candidate.fitness =
        static_cast<double>(std::count(candidate.skills.begin(), candidate.skills.end(), 1)) /
        tasks;
  }
  const DnsResult result = DominatedNoveltySearch(candidates, options);
  const double seconds = CpuSeconds() - start;
  Report("selection", seconds,
         absl::StrFormat("\"candidates\": %d, \"tasks\": %d, \"survivors\": %d",
                         archive + children, tasks, result.survivors.size()));
}

void AdaptPool(int pool_size, int new_tasks) {
  BuiltinScientist scientist;
  PoolOptions options;
  options.pool_cap = pool_size;
  options.new_per_adaptation = new_tasks;
  TaskPool pool(options);
  std::vector<Task> seeds;
  for (const BuiltinFamilyInfo& family : BuiltinFamilies()) {
    for (int difficulty = 1; difficulty <= 5; ++difficulty) {
      absl::StatusOr<nlohmann::json> spec = DefaultBuiltinSpec(family.name, difficulty);
      if (!spec.ok()) continue;
      absl::StatusOr<Task> task = MakeBuiltinTask(*spec, 1, 1);
      if (task.ok()) seeds.push_back(*task);
    }
  }
  double start = CpuSeconds();
  if (absl::Status grown = pool.Grow(seeds, pool_size, scientist, 7); !grown.ok()) {
    std::cerr << grown << std::endl;
    return;
  }
  const double grow_seconds = CpuSeconds() - start;
  std::mt19937_64 rng(2);
  std::map<std::string, double> rates;
  for (const std::string& id : pool.ActiveIds()) {
    rates[id] = std::uniform_int_distribution<int>(0, 16)(rng) / 16.0;
  }
  start = CpuSeconds();
  const Adaptation adaptation = pool.Adapt(rates, 5, scientist, 7);
  const double seconds = CpuSeconds() - start;
  Report("adaptation", seconds,
         absl::StrFormat("\"pool\": %d, \"new\": %d, \"discarded\": %d, \"pruned\": %d, "
                         "\"initial_pool_cpu_s\": %.3f",
                         rates.size(), adaptation.added.size(), adaptation.discarded.size(),
                         adaptation.pruned.size(), grow_seconds));
}

}  // namespace
}  // namespace acdc

int main() {
  acdc::Selection(256, 8, 10'000);
  acdc::AdaptPool(10'000, 150);
  return 0;
}
