// Training examples as a chat model sees them: the user text rendered as the model's chat
// prompt (exactly what generation will be given), the reply followed by the template's end of
// turn (so the model learns to stop). Sources: a JSONL file of prompt/completion pairs, or
// built-in task families drawn endlessly with the evaluation's own prompt text.
#pragma once

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "common/tokenizer/chat_template.h"
#include "common/tokenizer/tokenizer.h"
#include "nlohmann/json.hpp"
#include "worker/train/sft_example.h"

namespace acdc {

class ChatExampleEncoder {
 public:
  // Reads MODEL_DIR/tokenizer.json and the chat template of MODEL_DIR/tokenizer_config.json.
  static absl::StatusOr<ChatExampleEncoder> Load(const std::string& model_dir);

  absl::StatusOr<SftExample> Encode(const std::string& user, const std::string& reply) const;

 private:
  ChatExampleEncoder(std::shared_ptr<const Tokenizer> tokenizer, ChatTemplate chat)
      : tokenizer_(std::move(tokenizer)), chat_(std::move(chat)) {}

  std::shared_ptr<const Tokenizer> tokenizer_;
  ChatTemplate chat_;
};

// Every line {"prompt": "...", "completion": "..."}, reshuffled each epoch.
class JsonlExampleSource : public ExampleSource {
 public:
  static absl::StatusOr<std::unique_ptr<JsonlExampleSource>> Load(const std::string& path,
                                                                  const ChatExampleEncoder& encoder,
                                                                  uint64_t seed);
  absl::StatusOr<std::vector<SftExample>> Next(int count) override;

 private:
  JsonlExampleSource(std::vector<SftExample> examples, uint64_t seed)
      : examples_(std::move(examples)), rng_(seed) {}

  std::vector<SftExample> examples_;
  std::vector<size_t> order_;
  size_t next_ = 0;
  std::mt19937_64 rng_;
};

// A built-in family spec (builtin_families.h) and its share of the examples.
struct WeightedSpec {
  nlohmann::json spec;
  double weight = 1;
};

// Fresh instances of weighted specs, each asked as evaluation asks it and answered with the
// reply a grader accepts. Deterministic in `seed`.
class FamilyExampleSource : public ExampleSource {
 public:
  static absl::StatusOr<std::unique_ptr<FamilyExampleSource>> Create(
      std::vector<WeightedSpec> specs, ChatExampleEncoder encoder, uint64_t seed);
  absl::StatusOr<std::vector<SftExample>> Next(int count) override;

 private:
  FamilyExampleSource(std::vector<WeightedSpec> specs, ChatExampleEncoder encoder, uint64_t seed)
      : specs_(std::move(specs)), encoder_(std::move(encoder)), rng_(seed) {}
  const nlohmann::json& PickSpec();

  std::vector<WeightedSpec> specs_;
  double total_weight_ = 0;
  ChatExampleEncoder encoder_;
  std::mt19937_64 rng_;
};

}  // namespace acdc
