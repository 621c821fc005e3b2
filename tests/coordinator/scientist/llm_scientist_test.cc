// The LLM scientist's process on a scripted model and a scripted sandbox: a task refined until
// the scientist calls it done, reflection feedback that carries the sandbox's score of the
// scientist's own answer, every refusal with its fate, the novelty check on the nearest tasks
// by embedding, and tokens booked to the proposal.
#include "coordinator/scientist/llm_scientist.h"

#include <deque>
#include <filesystem>
#include <fstream>

#include "absl/strings/match.h"
#include "common/files.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace acdc {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

// Replies in order; every conversation it was sent is kept.
class ScriptedModel : public LlmClient {
 public:
  absl::StatusOr<ChatReply> Chat(const std::vector<ChatMessage>& messages,
                                 const ChatOptions& options) override {
    sent.push_back(messages);
    if (replies.empty()) return absl::InternalError("the script ran out");
    absl::StatusOr<std::string> next = replies.front();
    replies.pop_front();
    if (!next.ok()) return next.status();
    usage_.prompt_tokens += 10;
    usage_.completion_tokens += 5;
    return ChatReply{*next, "stop", 10, 5};
  }
  // Tasks about doubling point one way, everything else the other.
  absl::StatusOr<std::vector<std::vector<float>>> Embed(
      const std::vector<std::string>& texts) override {
    std::vector<std::vector<float>> out;
    for (const std::string& text : texts) {
      out.push_back(absl::StrContains(text, "double") ? std::vector<float>{1, 0.1f}
                                                      : std::vector<float>{0, 1});
      usage_.prompt_tokens += 1;
    }
    return out;
  }
  LlmUsage usage() const override { return usage_; }

  std::deque<absl::StatusOr<std::string>> replies;
  std::vector<std::vector<ChatMessage>> sent;

 private:
  LlmUsage usage_;
};

std::string TaskReply(const std::string& code, bool done, const std::string& name = "double_it") {
  const json fields = {{"name_of_task", name},
                       {"description_of_task", "Double a number."},
                       {"capability_being_measured", "arithmetic"},
                       {"estimated_human_difficulty", "2"},
                       {"done", done ? "True" : "False"},
                       {"task_family", code},
                       {"example_instruction", "Double 2."}};
  return "THOUGHT:\nfine\n\nRESPONSE JSON:\n```json\n" + fields.dump() + "\n```";
}

const char kGood[] = "class TaskFamily:  # answer 4\n    pass\n";

// A sandbox that knows four programs: good ones (instances "1" and "2", answer "4"), BROKEN
// ones (get_tasks raises), CRASH ones (score raises on anything but "4") and JUDGED ones
// (score asks eval_with_llm_judge, which raises without a judge).
ProgramChecks Sandbox() {
  ProgramChecks checks;
  checks.make_task = [](const json& spec) -> absl::StatusOr<Task> {
    const std::string code = spec["task_py"];
    if (absl::StrContains(code, "BROKEN")) return absl::InvalidArgumentError("get_tasks raised");
    Task task;
    task.kind = TaskKind::kProgram;
    task.spec = spec;
    task.metadata.name = spec["task_json"]["name"];
    task.metadata.description = spec["task_json"]["description"];
    task.metadata.difficulty = spec["task_json"]["difficulty"];
    task.instances = {{"1", "Double 2.", "", {}}, {"2", "Double 3.", "", {}}};
    return task;
  };
  checks.score = [](const json& spec, const std::map<std::string, std::string>& submissions,
                    const TaskJudge& judge) -> absl::StatusOr<std::map<std::string, ProgramScore>> {
    std::map<std::string, ProgramScore> out;
    const bool crashes = absl::StrContains(spec["task_py"].get<std::string>(), "CRASH");
    const bool judged = absl::StrContains(spec["task_py"].get<std::string>(), "JUDGED");
    for (const auto& [id, submission] : submissions) {
      if (judged) {
        if (!judge) {
          out[id] = {0.0, "RuntimeError: eval_with_llm_judge: this run has no judge"};
          continue;
        }
        absl::StatusOr<bool> yes = judge("Double 2.", submission, {});
        out[id] = yes.ok() ? ProgramScore{*yes ? 1.0 : 0.0, ""}
                           : ProgramScore{0.0, std::string(yes.status().message())};
      } else if (submission == "4") {
        out[id] = {1.0, ""};
      } else {
        out[id] = {0.0, crashes ? "ValueError: not a number" : ""};
      }
    }
    return out;
  };
  return checks;
}

Task Seed(const std::string& name, const std::string& description) {
  Task task;
  task.id = "t000001";
  task.metadata.name = name;
  task.metadata.description = description;
  task.metadata.capability = "arithmetic";
  task.metadata.difficulty = 1;
  task.instances = {{"1", "Add 2 and 2.", "4", {}}};
  return task;
}

struct Fixture {
  std::shared_ptr<ScriptedModel> model = std::make_shared<ScriptedModel>();
  std::unique_ptr<LlmScientist> scientist;
  builtin::Rng rng{1};

  explicit Fixture(bool embeddings = false) {
    absl::StatusOr<PromptTemplates> prompts = PromptTemplates::Load("");
    EXPECT_TRUE(prompts.ok());
    scientist = std::make_unique<LlmScientist>(model, embeddings ? model : nullptr, Sandbox(),
                                               *prompts, LlmScientistOptions{});
  }
  absl::StatusOr<TaskProposal> Propose(const Task& parent, TaskOperator op, int generation) {
    return scientist->Propose(parent, op, {&parent}, generation, rng);
  }
};

TEST(LlmScientistTest, RefinesUntilDoneThenRealizesTheTask) {
  Fixture f;
  f.model->replies = {TaskReply(kGood, false), "Answer: 4", TaskReply(kGood, true)};
  const Task seed = Seed("add", "Add two numbers.");
  auto proposal = f.Propose(seed, TaskOperator::kInspired, 0);
  ASSERT_TRUE(proposal.ok()) << proposal.status();
  EXPECT_EQ(proposal->spec["task_py"], kGood);
  EXPECT_EQ(proposal->spec["task_json"]["name"], "double_it");
  // The first prompt shows the example; the reflection round shows the sandbox's verdict on
  // the scientist's own answer ("Answer: 4" is not "4": score 0).
  ASSERT_EQ(f.model->sent.size(), 3u);
  EXPECT_THAT(f.model->sent[0][0].content, HasSubstr("3 rounds"));
  EXPECT_THAT(f.model->sent[0][1].content, HasSubstr("inspired by"));
  EXPECT_THAT(f.model->sent[0][1].content, HasSubstr("name_of_task: add"));
  EXPECT_EQ(f.model->sent[1][1].content, "Double 2.");
  EXPECT_THAT(f.model->sent[2].back().content, HasSubstr("Round 1 of 3"));
  EXPECT_THAT(f.model->sent[2].back().content, HasSubstr("scored 0.0/1.0"));
  EXPECT_THAT(f.model->sent[2].back().content, HasSubstr("'Answer: 4'"));
  EXPECT_EQ(f.scientist->TakeTokens(), 45);
  EXPECT_EQ(f.scientist->TakeTokens(), 0);

  auto task = f.scientist->Realize(*proposal, 0, 1);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->kind, TaskKind::kProgram);
  EXPECT_EQ(task->instances.size(), 1u) << "one instance per task, as configured";
  EXPECT_EQ(task->metadata.name, "double_it");
}

// A program whose score() asks eval_with_llm_judge is validated with the judge: the judge's
// decision is the score the reflection round reports.
TEST(LlmScientistTest, ProgramsAreValidatedWithTheJudge) {
  auto judge = std::make_shared<ScriptedModel>();
  judge->replies = {"THOUGHT: right\nDECISION: Yes", "DECISION: No"};
  Fixture f;
  LlmScientistOptions options;
  options.judge = judge;
  absl::StatusOr<PromptTemplates> prompts = PromptTemplates::Load("");
  ASSERT_TRUE(prompts.ok());
  f.scientist = std::make_unique<LlmScientist>(f.model, nullptr, Sandbox(), *prompts, options);
  const std::string judged = "class TaskFamily:  # JUDGED\n    pass\n";
  f.model->replies = {TaskReply(judged, false), "eight", TaskReply(judged, true)};
  auto proposal = f.Propose(Seed("add", "Add two numbers."), TaskOperator::kInspired, 0);
  ASSERT_TRUE(proposal.ok()) << proposal.status();
  EXPECT_THAT(f.model->sent[2].back().content, HasSubstr("scored 1.0/1.0"));
  ASSERT_EQ(judge->sent.size(), 1u);
  EXPECT_THAT(judge->sent[0][1].content, HasSubstr("eight"));
  // Realizing scores the dummy answer, which this judge turns down: no crash, so accepted.
  auto task = f.scientist->Realize(*proposal, 0, 1);
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(judge->sent.size(), 2u);
  EXPECT_EQ(f.scientist->Usage().count("judge"), 1u);
}

TEST(LlmScientistTest, EveryRefusalHasItsFate) {
  const Task seed = Seed("add", "Add two numbers.");
  {
    Fixture f;
    f.model->replies = {"Sorry, I cannot write code."};
    EXPECT_EQ(FateOf(f.Propose(seed, TaskOperator::kInspired, 0).status()),
              ProposalFate::kUnparseable);
  }
  {
    Fixture f;
    f.model->replies = {TaskReply(kGood, false), "4", TaskReply(kGood, false), "4",
                        "no json this round",    "4", TaskReply(kGood, false)};
    auto proposal = f.Propose(seed, TaskOperator::kInspired, 0);
    EXPECT_EQ(FateOf(proposal.status()), ProposalFate::kReflectionExhausted);
    EXPECT_EQ(f.model->sent.size(), 7u) << "3 rounds of answering and reflecting";
  }
  {
    Fixture f;
    f.model->replies = {absl::ResourceExhaustedError("the token budget of 10 tokens is spent")};
    EXPECT_EQ(FateOf(f.Propose(seed, TaskOperator::kInspired, 0).status()), ProposalFate::kBudget);
  }
  {
    Fixture f;
    f.model->replies = {absl::UnavailableError("connection refused")};
    EXPECT_EQ(FateOf(f.Propose(seed, TaskOperator::kInspired, 0).status()), ProposalFate::kError);
  }
  Fixture f;
  const TaskProposal broken{
      TaskOperator::kHarder,
      {{"task_py", "class TaskFamily: BROKEN"},
       {"task_json", {{"name", "b"}, {"description", ""}, {"difficulty", 2}}}},
      3};
  EXPECT_EQ(FateOf(f.scientist->Realize(broken, 0, 1).status()), ProposalFate::kSandboxError);
  TaskProposal crashing = broken;
  crashing.spec["task_py"] = "class TaskFamily: CRASH";
  auto crashed = f.scientist->Realize(crashing, 0, 1);
  EXPECT_EQ(FateOf(crashed.status()), ProposalFate::kSandboxError);
  EXPECT_THAT(std::string(crashed.status().message()), HasSubstr("dummy answer"));
}

TEST(LlmScientistTest, NovelTasksNearAnOldOneAreCheckedForNovelty) {
  const Task old = Seed("double_numbers", "double a number");
  for (const bool novel : {false, true}) {
    Fixture f(/*embeddings=*/true);
    f.model->replies = {TaskReply(kGood, false), "4", TaskReply(kGood, true),
                        novel ? "It tests more.\nDecision: Yes" : "Same thing.\nDecision: No"};
    auto proposal = f.Propose(old, TaskOperator::kNovelSimilar, 5);
    ASSERT_TRUE(proposal.ok()) << proposal.status();
    auto task = f.scientist->Realize(*proposal, 0, 1);
    ASSERT_EQ(f.model->sent.size(), 4u);
    EXPECT_THAT(f.model->sent[3].back().content, HasSubstr("name_of_task: double_numbers"));
    if (novel) {
      EXPECT_TRUE(task.ok()) << task.status();
    } else {
      EXPECT_EQ(FateOf(task.status()), ProposalFate::kNotNovel);
    }
  }
  // Harder children are not checked, and nothing near enough asks nothing.
  Fixture f(/*embeddings=*/true);
  f.model->replies = {TaskReply(kGood, false), "4", TaskReply(kGood, true)};
  auto harder = f.Propose(old, TaskOperator::kHarder, 5);
  ASSERT_TRUE(harder.ok());
  EXPECT_THAT(f.model->sent[0][1].content, HasSubstr("harder version"));
  EXPECT_TRUE(f.scientist->Realize(*harder, 0, 1).ok());
  EXPECT_EQ(f.model->sent.size(), 3u);
  EXPECT_GT(f.scientist->TakeTokens(), 45) << "embedding tokens count too";
}

// A task the pool no longer holds (discarded, pruned, or made before a restart) still counts
// for novelty once the pool has handed it over.
TEST(LlmScientistTest, RememberedTasksCountForNovelty) {
  const Task gone = Seed("double_numbers", "double a number");
  const Task parent = Seed("add", "Add two numbers.");
  Fixture f(/*embeddings=*/true);
  ASSERT_TRUE(f.scientist->Remember({&gone, &parent}).ok());
  f.model->replies = {TaskReply(kGood, false), "4", TaskReply(kGood, true),
                      "Same thing.\nDecision: No"};
  auto proposal = f.Propose(parent, TaskOperator::kNovel, 5);
  ASSERT_TRUE(proposal.ok()) << proposal.status();
  auto task = f.scientist->Realize(*proposal, 0, 1);
  EXPECT_EQ(FateOf(task.status()), ProposalFate::kNotNovel);
  ASSERT_EQ(f.model->sent.size(), 4u);
  EXPECT_THAT(f.model->sent[3].back().content, HasSubstr("name_of_task: double_numbers"));
}

TEST(LlmScientistTest, PromptsCanBeReplacedFromADirectory) {
  const std::string dir = ::testing::TempDir() + "/prompts";
  RemoveTree(dir);
  std::filesystem::create_directories(dir);
  std::ofstream(dir + "/harder.txt") << "HARDER PLEASE: {parent}";
  auto prompts = PromptTemplates::Load(dir);
  ASSERT_TRUE(prompts.ok()) << prompts.status();
  EXPECT_EQ(prompts->Fill("harder", {{"parent", "p"}}), "HARDER PLEASE: p");
  EXPECT_THAT(prompts->Fill("system", {{"num_rounds", "3"}}), HasSubstr("class TaskFamily"));
  std::ofstream(dir + "/hardest.txt") << "?";
  auto unknown = PromptTemplates::Load(dir);
  ASSERT_FALSE(unknown.ok());
  EXPECT_THAT(std::string(unknown.status().message()), HasSubstr("hardest.txt"));
  EXPECT_FALSE(PromptTemplates::Load(dir + "/missing").ok());
}

}  // namespace
}  // namespace acdc
