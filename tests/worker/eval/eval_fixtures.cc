#include "tests/worker/eval/eval_fixtures.h"

#include <gtest/gtest.h>

namespace acdc {

Task MakeTask(const std::string& id, const std::vector<std::pair<std::string, std::string>>& qa,
              TaskKind kind) {
  Task task;
  task.id = id;
  task.kind = kind;
  for (const auto& [instruction, reference] : qa) {
    TaskInstance& instance = task.instances.emplace_back();
    instance.id = std::to_string(task.instances.size());
    instance.instruction = instruction;
    instance.reference = reference;
  }
  return task;
}

std::vector<Task> SampleTasks() {
  return {MakeTask("reverse", {{"Reverse the string 'abc'.", "cba"},
                               {"Reverse the string 'hello world, how are you today?'.",
                                "?yadot uoy era woh ,dlrow olleh"},
                               {"Reverse the string 'xy'.", "yx"}}),
          MakeTask("add", {{"What is 17 + 25?", "42"},
                           {"What is 1 + 1?", "2"},
                           {"What is 123456 + 654321, the sum of two six-digit numbers?", "777777"},
                           {"What is 9 + 0?", "9"}}),
          MakeTask("count", {{"Count the vowels in 'evolution'.", "5"}})};
}

absl::StatusOr<std::vector<std::vector<double>>> ScriptedModel::LogProbs(
    const std::vector<std::vector<int>>& sequences) {
  return absl::UnimplementedError("scripted model: no log-probabilities");
}

absl::StatusOr<std::vector<Generation>> ScriptedModel::Generate(
    const std::vector<std::vector<int>>& prompts, const SamplingOptions& options,
    const StopCheck& stop) {
  std::vector<size_t> lengths;
  std::vector<Generation> out;
  for (size_t row = 0; row < prompts.size(); ++row) {
    lengths.push_back(prompts[row].size());
    const std::string text =
        tokenizer_.Decode(std::vector<int32_t>(prompts[row].begin(), prompts[row].end()));
    absl::StatusOr<std::vector<int32_t>> reply =
        tokenizer_.Encode(script_(text), /*add_special_tokens=*/false);
    if (!reply.ok()) return reply.status();
    reply->push_back(end_of_turn_);
    Generation& g = out.emplace_back();
    g.prompt_tokens = static_cast<int>(prompts[row].size());
    g.finish_reason = "length";
    for (int32_t id : *reply) {
      if (static_cast<int>(g.ids.size()) == options.max_new_tokens) break;
      g.ids.push_back(id);
      if (stop && stop(row, g.ids)) {
        g.finish_reason = "stop";
        break;
      }
    }
    g.new_tokens = static_cast<int>(g.ids.size());
  }
  batches_.push_back(lengths);
  return out;
}

std::unique_ptr<ChatModel> ScriptedChatModel(const std::string& name, Script script) {
  std::unique_ptr<ChatModel> chat = LoadFixtureModel(name);
  if (chat == nullptr) return nullptr;
  EXPECT_TRUE(chat->end_of_turn_id.has_value());
  chat->model = std::make_unique<ScriptedModel>(*chat->tokenizer, chat->end_of_turn_id.value_or(0),
                                                std::move(script));
  return chat;
}

RuntimeOptions FixtureRuntime() {
  RuntimeOptions options;
  options.threads = 1;
  return options;
}

std::unique_ptr<ChatModel> LoadFixtureModel(const std::string& name) {
  absl::StatusOr<std::unique_ptr<ChatModel>> chat =
      LoadChatModel(kEvalModels + "/" + name, FixtureRuntime());
  EXPECT_TRUE(chat.ok()) << chat.status();
  return chat.ok() ? *std::move(chat) : nullptr;
}

}  // namespace acdc
