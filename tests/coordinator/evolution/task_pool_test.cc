// The task pool's state machine with the built-in scientist: growth of the initial pool,
// "harder" children whose parents wait in limbo and come back when the child is impossible,
// discarded impossible tasks, novel children of medium tasks, and oldest-first pruning.
#include "coordinator/evolution/task_pool.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_format.h"
#include "common/tasks/builtin_families.h"
#include "coordinator/evolution/builtin_scientist.h"

namespace acdc {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::SizeIs;

Task Seed(const std::string& family) {
  absl::StatusOr<nlohmann::json> spec = DefaultBuiltinSpec(family, 1);
  absl::StatusOr<Task> task = MakeBuiltinTask(*spec, 1, 1);
  EXPECT_TRUE(task.ok()) << task.status();
  return *task;
}

std::map<std::string, double> Rates(const TaskPool& pool, double rate) {
  std::map<std::string, double> rates;
  for (const std::string& id : pool.ActiveIds()) rates[id] = rate;
  return rates;
}

TEST(TaskPoolTest, GrowsFromTheSeedsToTheTargetWithDistinctTasks) {
  BuiltinScientist scientist;
  TaskPool pool(PoolOptions{});
  ASSERT_TRUE(pool.Grow({Seed("add"), Seed("reverse")}, 30, scientist, 42).ok());
  const std::vector<std::string> active = pool.ActiveIds();
  ASSERT_THAT(active, SizeIs(30));
  EXPECT_EQ(active.front(), "t000001");
  EXPECT_EQ(pool.Find("t000001")->op, TaskOperator::kSeed);
  EXPECT_EQ(pool.Find("t000003")->task.parent_id.empty(), false);
  std::set<std::string> specs;
  for (const std::string& id : active) specs.insert(pool.Find(id)->task.spec.dump());
  EXPECT_THAT(specs, SizeIs(30)) << "the novelty check lets no spec in twice";

  TaskPool again(PoolOptions{});
  ASSERT_TRUE(again.Grow({Seed("add"), Seed("reverse")}, 30, scientist, 42).ok());
  for (const std::string& id : active) {
    EXPECT_EQ(again.Find(id)->ToJson(), pool.Find(id)->ToJson()) << "deterministic in its seed";
  }
}

TEST(TaskPoolTest, EasyParentsGoToLimboAndComeBackWhenTheirHarderChildIsImpossible) {
  BuiltinScientist scientist;
  PoolOptions options;
  options.new_per_adaptation = 1;
  TaskPool pool(options);
  ASSERT_TRUE(pool.Grow({Seed("add")}, 1, scientist, 1).ok());
  (void)pool.TakeChanged();

  const Adaptation forward = pool.Adapt(Rates(pool, 1.0), 5, scientist, 1);
  ASSERT_THAT(forward.added, SizeIs(1));
  const std::string child = forward.added.front();
  EXPECT_EQ(pool.Find(child)->op, TaskOperator::kHarder);
  EXPECT_EQ(pool.Find(child)->task.parent_id, "t000001");
  EXPECT_EQ(pool.Find(child)->task.spec["difficulty"], 2);
  EXPECT_EQ(pool.Find("t000001")->state, TaskState::kLimbo);
  EXPECT_EQ(forward.limbo.at(child), "t000001");
  EXPECT_THAT(pool.ActiveIds(), ElementsAre(child));
  std::vector<std::string> changed;
  for (const nlohmann::json& record : pool.TakeChanged()) changed.push_back(record["id"]);
  EXPECT_THAT(changed, ElementsAre("t000001", child));

  // Nobody solves the harder child: it is discarded and its parent reinstated.
  const Adaptation back = pool.Adapt(Rates(pool, 0.0), 10, scientist, 1);
  EXPECT_THAT(back.discarded, ElementsAre(child));
  EXPECT_THAT(back.reverted, ElementsAre("t000001"));
  EXPECT_EQ(pool.Find(child)->state, TaskState::kDiscarded);
  EXPECT_EQ(pool.Find("t000001")->state, TaskState::kActive);
  for (const nlohmann::json& record : pool.TakeChanged()) {
    if (record["id"] == child) {
      EXPECT_EQ(record["task"]["instances"].size(), 1u) << "written whole";
    }
  }
  EXPECT_TRUE(pool.Find(child)->task.instances.empty()) << "then released from memory";
  EXPECT_TRUE(pool.limbo().empty());
  EXPECT_THAT(back.added, IsEmpty()) << "no parent has a positive pass rate";
}

TEST(TaskPoolTest, ImpossibleTasksAreDiscardedAndMediumOnesGetNovelChildren) {
  BuiltinScientist scientist;
  PoolOptions options;
  options.new_per_adaptation = 4;
  TaskPool pool(options);
  ASSERT_TRUE(pool.Grow({Seed("add"), Seed("reverse"), Seed("sort")}, 3, scientist, 3).ok());
  std::map<std::string, double> rates{{"t000001", 0.0}, {"t000002", 0.5}, {"t000003", 0.25}};
  const Adaptation adaptation = pool.Adapt(rates, 5, scientist, 3);
  EXPECT_THAT(adaptation.discarded, ElementsAre("t000001"));
  EXPECT_TRUE(adaptation.limbo.empty()) << "0.5 is not above easy_above";
  EXPECT_FALSE(adaptation.added.empty());
  for (const std::string& id : adaptation.added) {
    const TaskRecord& record = *pool.Find(id);
    EXPECT_TRUE(record.op == TaskOperator::kNovel || record.op == TaskOperator::kNovelSimilar);
    EXPECT_TRUE(record.task.parent_id == "t000002" || record.task.parent_id == "t000003");
    EXPECT_EQ(record.generation, 5);
  }
  EXPECT_EQ(adaptation.pass_rates, rates);
}

TEST(TaskPoolTest, HarderAtTheMaximumDifficultyComposesInstead) {
  BuiltinScientist scientist;
  PoolOptions options;
  options.new_per_adaptation = 8;
  TaskPool pool(options);
  absl::StatusOr<nlohmann::json> hardest = DefaultBuiltinSpec("reverse", 5);
  ASSERT_TRUE(hardest.ok());
  absl::StatusOr<Task> task = MakeBuiltinTask(*hardest, 1, 1);
  ASSERT_TRUE(task.ok());
  ASSERT_TRUE(pool.Grow({*task, Seed("uppercase")}, 2, scientist, 5).ok());
  const Adaptation adaptation = pool.Adapt({{"t000001", 1.0}, {"t000002", 0.25}}, 5, scientist, 11);
  int composed = 0;
  for (const std::string& id : adaptation.added) {
    const TaskRecord& child = *pool.Find(id);
    if (child.task.parent_id != "t000001") continue;
    ++composed;
    EXPECT_EQ(child.op, TaskOperator::kCompose);
    EXPECT_EQ(child.task.spec["family"], "compose");
  }
  EXPECT_GT(composed, 0);
  EXPECT_EQ(pool.Find("t000001")->state, TaskState::kLimbo);
}

TEST(TaskPoolTest, PrunesTheOldestTasksToTheCap) {
  BuiltinScientist scientist;
  PoolOptions options;
  options.pool_cap = 4;
  options.new_per_adaptation = 3;
  TaskPool pool(options);
  ASSERT_TRUE(pool.Grow({Seed("add"), Seed("reverse"), Seed("count")}, 6, scientist, 9).ok());
  const Adaptation adaptation = pool.Adapt(Rates(pool, 0.25), 5, scientist, 9);
  const std::vector<std::string> active = pool.ActiveIds();
  EXPECT_THAT(active, SizeIs(4));
  ASSERT_FALSE(adaptation.pruned.empty());
  EXPECT_EQ(adaptation.pruned.front(), "t000001");
  for (const std::string& id : adaptation.pruned) {
    EXPECT_EQ(pool.Find(id)->state, TaskState::kPruned);
    EXPECT_LT(id, active.front()) << "only tasks older than every kept one are pruned";
  }
}

TEST(TaskPoolTest, RecordsRoundTripThroughTheArchive) {
  BuiltinScientist scientist;
  TaskPool pool(PoolOptions{});
  ASSERT_TRUE(pool.Grow({Seed("max")}, 5, scientist, 2).ok());
  std::vector<TaskRecord> records;
  for (const auto& [id, record] : pool.records()) {
    absl::StatusOr<TaskRecord> back = TaskRecord::FromJson(record.ToJson());
    ASSERT_TRUE(back.ok()) << back.status();
    EXPECT_EQ(back->ToJson(), record.ToJson());
    records.push_back(*back);
  }
  TaskPool restored(PoolOptions{});
  restored.Restore(records, {}, 0);
  EXPECT_EQ(restored.ActiveIds(), pool.ActiveIds());
}

// Every proposal is on record with its fate; the accepted ones name their task, and ids keep
// counting after a restore.
TEST(TaskPoolTest, EveryProposalIsRecordedWithItsFate) {
  BuiltinScientist scientist;
  TaskPool pool(PoolOptions{});
  ASSERT_TRUE(pool.Grow({Seed("max"), Seed("add")}, 12, scientist, 3).ok());
  const std::vector<nlohmann::json> proposals = pool.TakeProposals();
  ASSERT_FALSE(proposals.empty());
  std::set<std::string> accepted_tasks;
  for (size_t i = 0; i < proposals.size(); ++i) {
    const nlohmann::json& p = proposals[i];
    EXPECT_EQ(p["id"], absl::StrFormat("p%06d", i + 1));
    EXPECT_EQ(p["generation"], 0);
    EXPECT_EQ(p["tokens"], 0);
    EXPECT_TRUE(pool.Find(p["parent"]) != nullptr) << p.dump();
    if (p["fate"] == "accepted") {
      EXPECT_EQ(p["reason"], "");
      EXPECT_TRUE(accepted_tasks.insert(p["task"].get<std::string>()).second);
    } else {
      EXPECT_EQ(p["task"], "");
      EXPECT_NE(p["reason"], "") << p.dump();
      EXPECT_TRUE(p["fate"] == "duplicate" || p["fate"] == "no_proposal") << p.dump();
    }
  }
  // The pool holds the 2 seeds and one task per accepted proposal.
  EXPECT_EQ(accepted_tasks.size() + 2, pool.records().size());
  EXPECT_TRUE(pool.TakeProposals().empty());

  std::vector<TaskRecord> records;
  for (const auto& [id, record] : pool.records()) records.push_back(record);
  TaskPool restored(PoolOptions{});
  restored.Restore(records, {}, static_cast<int>(proposals.size()));
  std::map<std::string, double> rates;
  for (const std::string& id : restored.ActiveIds()) rates[id] = 0.3;
  restored.Adapt(rates, 5, scientist, 3);
  const std::vector<nlohmann::json> later = restored.TakeProposals();
  ASSERT_FALSE(later.empty());
  EXPECT_EQ(later.front()["id"], absl::StrFormat("p%06d", proposals.size() + 1));
  EXPECT_EQ(later.front()["generation"], 5);
}

// Spends 100 tokens indexing the tasks made so far and 7 on each proposal.
class TokenSpendingScientist : public BuiltinScientist {
 public:
  absl::Status Remember(const std::vector<const Task*>&) override {
    spent_ += 100;
    return absl::OkStatus();
  }
  absl::StatusOr<TaskProposal> Propose(const Task& parent, TaskOperator op,
                                       const std::vector<const Task*>& others, int generation,
                                       builtin::Rng& rng) override {
    spent_ += 7;
    return BuiltinScientist::Propose(parent, op, others, generation, rng);
  }
  int64_t TakeTokens() override { return std::exchange(spent_, 0); }

 private:
  int64_t spent_ = 0;
};

TEST(TaskPoolTest, AProposalIsBookedItsOwnTokensNotTheIndexing) {
  TokenSpendingScientist scientist;
  TaskPool pool(PoolOptions{});
  ASSERT_TRUE(pool.Grow({Seed("max"), Seed("add")}, 12, scientist, 3).ok());
  const std::vector<nlohmann::json> proposals = pool.TakeProposals();
  ASSERT_FALSE(proposals.empty());
  for (const nlohmann::json& p : proposals) EXPECT_EQ(p["tokens"], 7) << p.dump();
}

// A scientist whose endpoint is down: every call fails (after its own retries).
class UnreachableScientist : public Scientist {
 public:
  absl::StatusOr<TaskProposal> Propose(const Task&, TaskOperator, const std::vector<const Task*>&,
                                       int, builtin::Rng&) override {
    ++calls;
    return absl::UnavailableError("http://127.0.0.1:9/v1: connection refused");
  }
  absl::StatusOr<Task> Realize(const TaskProposal&, uint64_t, int) override {
    return absl::InternalError("never reached");
  }
  int calls = 0;
};

TEST(TaskPoolTest, AnUnreachableScientistEndsTheRoundAfterAMicroBatchOfFailures) {
  UnreachableScientist scientist;
  TaskPool pool(PoolOptions{});
  ASSERT_TRUE(pool.Grow({Seed("add"), Seed("reverse")}, 300, scientist, 1).ok());
  EXPECT_EQ(scientist.calls, 10) << "not 20 fruitless batches of timeouts";
  EXPECT_THAT(pool.ActiveIds(), SizeIs(2));
  for (const nlohmann::json& p : pool.TakeProposals()) EXPECT_EQ(p["fate"], "error");
  // The next round asks again (the endpoint may be back), and stops as soon.
  PoolOptions options;
  options.new_per_adaptation = 50;
  TaskPool adapting(options);
  ASSERT_TRUE(adapting.Grow({Seed("add"), Seed("reverse")}, 2, scientist, 1).ok());
  scientist.calls = 0;
  adapting.Adapt(Rates(adapting, 0.3), 2, scientist, 1);
  EXPECT_EQ(scientist.calls, 10);
}

// Cancels its pool at the third proposal, as a coordinator shutting down does from its thread.
class CancellingScientist : public UnreachableScientist {
 public:
  explicit CancellingScientist(TaskPool* pool) : pool_(pool) {}
  absl::StatusOr<TaskProposal> Propose(const Task& parent, TaskOperator op,
                                       const std::vector<const Task*>& others, int generation,
                                       builtin::Rng& rng) override {
    if (calls == 2) pool_->Cancel();
    ++calls;
    return absl::NotFoundError("nothing new");
  }

 private:
  TaskPool* pool_;
};

TEST(TaskPoolTest, ACancelledPoolStopsBeforeItsNextProposal) {
  TaskPool pool(PoolOptions{});
  CancellingScientist scientist(&pool);
  EXPECT_EQ(pool.Grow({Seed("add"), Seed("reverse")}, 300, scientist, 1).code(),
            absl::StatusCode::kCancelled);
  EXPECT_EQ(scientist.calls, 3);
  scientist.calls = 0;
  pool.Adapt(Rates(pool, 0.3), 2, scientist, 1);
  EXPECT_EQ(scientist.calls, 0);
}

}  // namespace
}  // namespace acdc
