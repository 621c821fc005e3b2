#include "coordinator/scientist/llm_scientist.h"

#include <algorithm>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "coordinator/scientist/scientist_reply.h"

namespace acdc {
namespace {

using nlohmann::json;

constexpr char kDummySubmission[] = "dummy validation submission";

std::string ExampleInstruction(const Task& task) {
  if (task.kind == TaskKind::kProgram && task.spec.contains("task_json") &&
      task.spec["task_json"].is_object()) {
    const std::string example = task.spec["task_json"].value("example_instruction", "");
    if (!example.empty()) return example;
  }
  return task.instances.empty() ? "" : task.instances.front().instruction;
}

// A task as the prompts show it: its summary and, for a program, its source.
std::string Shown(const Task& task) {
  std::string text = TaskSummary(task);
  if (task.kind == TaskKind::kProgram && task.spec.contains("task_py")) {
    absl::StrAppend(&text, "task_family:\n```python\n", task.spec["task_py"].get<std::string>(),
                    "\n```\n");
  }
  return text;
}

double Cosine(const std::vector<float>& a, const std::vector<float>& b) {
  double dot = 0, aa = 0, bb = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) {
    dot += static_cast<double>(a[i]) * b[i];
    aa += static_cast<double>(a[i]) * a[i];
    bb += static_cast<double>(b[i]) * b[i];
  }
  return aa > 0 && bb > 0 ? dot / std::sqrt(aa * bb) : 0.0;
}

}  // namespace

std::string TaskSummary(const Task& task) {
  return absl::StrCat("name_of_task: ", task.metadata.name,
                      "\ndescription_of_task: ", task.metadata.description,
                      "\ncapability_being_measured: ", task.metadata.capability,
                      "\nestimated_human_difficulty: ", task.metadata.difficulty,
                      "\nexample_instruction: ", ExampleInstruction(task), "\n");
}

LlmScientist::LlmScientist(std::shared_ptr<LlmClient> chat, std::shared_ptr<LlmClient> embeddings,
                           ProgramChecks checks, PromptTemplates prompts,
                           LlmScientistOptions options)
    : chat_(std::move(chat)),
      embeddings_(std::move(embeddings)),
      checks_(std::move(checks)),
      prompts_(std::move(prompts)),
      options_(std::move(options)) {
  if (options_.judge) judge_ = MakeTaskJudge(options_.judge, options_.judge_chat);
}

int64_t LlmScientist::TakeTokens() {
  auto total = [](const LlmUsage& usage) { return usage.prompt_tokens + usage.completion_tokens; };
  int64_t spent = total(chat_->usage());
  if (embeddings_ && embeddings_ != chat_) spent += total(embeddings_->usage());
  if (options_.judge && options_.judge != chat_) spent += total(options_.judge->usage());
  return spent - std::exchange(tokens_taken_, spent);
}

absl::Status LlmScientist::Remember(const std::vector<const Task*>& tasks) {
  std::vector<std::string> texts;
  for (const Task* task : tasks) texts.push_back(TaskSummary(*task));
  return Index(texts);
}

std::map<std::string, LlmUsage> LlmScientist::Usage() const {
  std::map<std::string, LlmUsage> usage = {{"scientist", chat_->usage()}};
  if (embeddings_ && embeddings_ != chat_) usage["embeddings"] = embeddings_->usage();
  if (options_.judge && options_.judge != chat_) usage["judge"] = options_.judge->usage();
  return usage;
}

absl::StatusOr<ChatReply> LlmScientist::Ask(const std::vector<ChatMessage>& messages) {
  return chat_->Chat(messages, options_.chat);
}

std::string LlmScientist::FirstPrompt(const Task& parent, TaskOperator op,
                                      const std::vector<const Task*>& others, int generation,
                                      builtin::Rng& rng) const {
  if (generation == 0) {
    // The initial pool: "novel" with the configured probability (the pool's choice arrives as
    // novel_similar, the built-in scientist's nearest operator), else "inspired by".
    return prompts_.Fill(op == TaskOperator::kInspired ? "initial_inspired" : "initial_novel",
                         {{"example", Shown(parent)}});
  }
  if (op == TaskOperator::kHarder) return prompts_.Fill("harder", {{"parent", Shown(parent)}});
  std::string shown;
  std::vector<const Task*> pool;
  for (const Task* other : others) {
    if (other->id != parent.id) pool.push_back(other);
  }
  for (int i = 0; i < options_.others_in_prompt && !pool.empty(); ++i) {
    const size_t pick = static_cast<size_t>(rng.Uniform(0, static_cast<int64_t>(pool.size()) - 1));
    absl::StrAppend(&shown, "- ", pool[pick]->metadata.name, ": ", pool[pick]->metadata.description,
                    " (", pool[pick]->metadata.capability, ")\n");
    pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(pick));
  }
  if (shown.empty()) shown = "(none yet)\n";
  return prompts_.Fill(op == TaskOperator::kNovel ? "novel" : "novel_similar",
                       {{"parent", Shown(parent)}, {"others", shown}});
}

absl::StatusOr<TaskProposal> LlmScientist::Propose(const Task& parent, TaskOperator op,
                                                   const std::vector<const Task*>& others,
                                                   int generation, builtin::Rng& rng) {
  std::vector<std::string> seen;
  for (const Task* other : others) seen.push_back(TaskSummary(*other));
  seen.push_back(TaskSummary(parent));
  if (absl::Status indexed = Index(seen); !indexed.ok()) return indexed;

  const std::string rounds = absl::StrCat(options_.max_reflections);
  std::vector<ChatMessage> history = {{"system", prompts_.Fill("system", {{"num_rounds", rounds}})},
                                      {"user", FirstPrompt(parent, op, others, generation, rng)}};
  absl::StatusOr<ChatReply> reply = Ask(history);
  if (!reply.ok()) return reply.status();
  history.push_back({"assistant", reply->text});
  absl::StatusOr<ScientistReply> task = ParseScientistReply(reply->text);
  if (!task.ok()) return task.status();
  for (int round = 1; round <= options_.max_reflections; ++round) {
    const json spec = {{"task_py", task->task_py}, {"task_json", task->task_json}};
    absl::StatusOr<std::string> tried = TryOut(spec);
    if (!tried.ok()) return tried.status();
    history.push_back({"user", prompts_.Fill("reflection", {{"current_round", absl::StrCat(round)},
                                                            {"num_rounds", rounds},
                                                            {"eval_response", *tried}})});
    reply = Ask(history);
    if (!reply.ok()) return reply.status();
    history.push_back({"assistant", reply->text});
    // A round whose reply cannot be read keeps the previous version, as the reference does.
    absl::StatusOr<ScientistReply> revised = ParseScientistReply(reply->text);
    if (!revised.ok()) continue;
    task = *std::move(revised);
    if (task->done) {
      return TaskProposal{
          op, {{"task_py", task->task_py}, {"task_json", task->task_json}}, generation};
    }
  }
  return Refused(ProposalFate::kReflectionExhausted,
                 absl::StrCat("not done after ", options_.max_reflections, " reflection rounds"));
}

absl::StatusOr<std::string> LlmScientist::TryOut(const json& spec) {
  absl::StatusOr<Task> task = checks_.make_task(spec);
  if (!task.ok()) {
    return absl::StrCat("Running the task family failed: ", task.status().message());
  }
  const TaskInstance& first = task->instances.front();
  absl::StatusOr<ChatReply> answer =
      Ask({{"system", prompts_.Fill("solve_system")}, {"user", first.instruction}});
  if (!answer.ok()) return answer.status();
  absl::StatusOr<std::map<std::string, ProgramScore>> scored =
      checks_.score(spec, {{first.id, answer->text}}, judge_);
  if (!scored.ok()) return absl::StrCat("Running score() failed: ", scored.status().message());
  const ProgramScore& score = scored->at(first.id);
  std::string feedback =
      absl::StrFormat("The task family ran. A model answered task %s and scored %.1f/1.0.\n",
                      first.id, score.score);
  if (!score.error.empty()) absl::StrAppend(&feedback, "score() reported: ", score.error, "\n");
  absl::StrAppend(&feedback, "The model's raw answer was: '", answer->text, "'");
  return feedback;
}

absl::StatusOr<Task> LlmScientist::Realize(const TaskProposal& proposal, uint64_t seed,
                                           int instances) {
  absl::StatusOr<Task> task = checks_.make_task(proposal.spec);
  if (!task.ok()) return Refused(ProposalFate::kSandboxError, std::string(task.status().message()));
  if (task->metadata.difficulty < 1 || task->metadata.difficulty > 5) {
    return Refused(ProposalFate::kSchema,
                   absl::StrCat("difficulty ", task->metadata.difficulty, " is outside 1-5"));
  }
  absl::StatusOr<std::map<std::string, ProgramScore>> dummy =
      checks_.score(proposal.spec, {{task->instances.front().id, kDummySubmission}}, judge_);
  if (!dummy.ok())
    return Refused(ProposalFate::kSandboxError, std::string(dummy.status().message()));
  const ProgramScore& dummy_score = dummy->begin()->second;
  if (!dummy_score.error.empty()) {
    return Refused(ProposalFate::kSandboxError,
                   absl::StrCat("score() fails on a dummy answer: ", dummy_score.error));
  }
  if (static_cast<int>(task->instances.size()) > std::max(1, instances)) {
    task->instances.resize(static_cast<size_t>(std::max(1, instances)));
  }
  const std::string summary = TaskSummary(*task);
  if (absl::Status novel = CheckNovelty(proposal, summary); !novel.ok()) return novel;
  if (absl::Status indexed = Index({summary}); !indexed.ok()) return indexed;
  return task;
}

absl::Status LlmScientist::CheckNovelty(const TaskProposal& proposal, const std::string& text) {
  const bool checked = proposal.generation == 0 || proposal.op == TaskOperator::kNovel ||
                       proposal.op == TaskOperator::kNovelSimilar;
  if (!embeddings_ || !checked) return absl::OkStatus();
  absl::StatusOr<std::vector<std::vector<float>>> vector = embeddings_->Embed({text});
  if (!vector.ok()) return vector.status();
  // The initial pool consults the check on every neighbour, as the reference (threshold 0).
  const double threshold = proposal.generation == 0 ? -1.0 : options_.novelty_threshold;
  std::vector<std::pair<double, const Indexed*>> near;
  for (const Indexed& entry : index_) {
    const double similarity = Cosine(vector->front(), entry.vector);
    if (entry.text != text && similarity >= threshold) near.push_back({similarity, &entry});
  }
  if (near.empty()) return absl::OkStatus();
  std::sort(near.begin(), near.end(),
            [](const auto& a, const auto& b) { return a.first > b.first; });
  near.resize(std::min(near.size(), static_cast<size_t>(options_.nearest_tasks)));
  std::string closest;
  for (const auto& [similarity, entry] : near) absl::StrAppend(&closest, entry->text, "\n");
  absl::StatusOr<ChatReply> verdict =
      Ask({{"system", prompts_.Fill("interestingly_new_system")},
           {"user",
            prompts_.Fill("interestingly_new", {{"new_task", text}, {"closest_tasks", closest}})}});
  if (!verdict.ok()) return verdict.status();
  if (!JudgeDecision(verdict->text)) {
    return Refused(ProposalFate::kNotNovel,
                   absl::StrFormat("not interestingly new beside %d tasks (nearest cosine %.3f)",
                                   near.size(), near.front().first));
  }
  return absl::OkStatus();
}

absl::Status LlmScientist::Index(const std::vector<std::string>& texts) {
  if (!embeddings_) return absl::OkStatus();
  std::vector<std::string> missing;
  for (const std::string& text : texts) {
    const bool known = std::any_of(index_.begin(), index_.end(),
                                   [&](const Indexed& entry) { return entry.text == text; });
    if (!known && std::find(missing.begin(), missing.end(), text) == missing.end()) {
      missing.push_back(text);
    }
  }
  if (missing.empty()) return absl::OkStatus();
  absl::StatusOr<std::vector<std::vector<float>>> vectors = embeddings_->Embed(missing);
  if (!vectors.ok()) return vectors.status();
  for (size_t i = 0; i < missing.size(); ++i) index_.push_back({missing[i], (*vectors)[i]});
  return absl::OkStatus();
}

}  // namespace acdc
