// What the evaluation tests share: the tiny chat models (make_eval_models.py), hand-made
// tasks, and a scripted language model whose replies a test chooses.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "common/tasks/task.h"
#include "worker/eval/chat_model.h"

namespace acdc {

inline const std::string kEvalModels = ACDC_EVAL_MODELS_DIR;

// A task of exact-graded instances, one per (instruction, reference) pair, ids "1", "2", ...
Task MakeTask(const std::string& id, const std::vector<std::pair<std::string, std::string>>& qa,
              TaskKind kind = TaskKind::kBuiltin);

// Three tasks of prompts of different lengths.
std::vector<Task> SampleTasks();

// The reply the scripted model gives to a prompt (the rendered chat text).
using Script = std::function<std::string(const std::string& prompt)>;

// Generates `script`'s reply followed by the end-of-turn token, token by token (so stop checks
// and max_new_tokens apply as in the runtime), and records the batches it was given.
class ScriptedModel : public LanguageModel {
 public:
  ScriptedModel(const Tokenizer& tokenizer, int end_of_turn, Script script)
      : tokenizer_(tokenizer), end_of_turn_(end_of_turn), script_(std::move(script)) {}

  const ModelConfig& config() const override { return config_; }
  const std::vector<int>& eos_token_ids() const override { return eos_; }
  absl::StatusOr<std::vector<std::vector<double>>> LogProbs(
      const std::vector<std::vector<int>>& sequences) override;
  absl::StatusOr<std::vector<Generation>> Generate(const std::vector<std::vector<int>>& prompts,
                                                   const SamplingOptions& options,
                                                   const StopCheck& stop) override;

  // The prompt lengths of each Generate call, in call order.
  const std::vector<std::vector<size_t>>& batches() const { return batches_; }

 private:
  const Tokenizer& tokenizer_;
  const int end_of_turn_;
  const Script script_;
  ModelConfig config_;
  std::vector<int> eos_;
  std::vector<std::vector<size_t>> batches_;
};

// The tokenizer and template of the fixture model `name` around a ScriptedModel.
std::unique_ptr<ChatModel> ScriptedChatModel(const std::string& name, Script script);

// On the CPU in fp32, one thread: libtorch's default of one thread per core spins against the
// other tests ctest runs at once, slowing a tiny model a hundredfold.
RuntimeOptions FixtureRuntime();

// The fixture model `name`.
std::unique_ptr<ChatModel> LoadFixtureModel(const std::string& name);

}  // namespace acdc
