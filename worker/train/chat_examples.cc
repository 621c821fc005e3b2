#include "worker/train/chat_examples.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tasks/builtin_families.h"
#include "common/tasks/prompt.h"

namespace acdc {
namespace {

std::vector<int> Ints(const std::vector<int32_t>& ids) { return {ids.begin(), ids.end()}; }

// A uniform double in [0, 1) from 53 random bits: spelled out so that a seed gives the same
// data with any standard library.
double Uniform(std::mt19937_64& rng) { return static_cast<double>(rng() >> 11) * 0x1.0p-53; }

}  // namespace

absl::StatusOr<ChatExampleEncoder> ChatExampleEncoder::Load(const std::string& model_dir) {
  ASSIGN_OR_RETURN(std::unique_ptr<Tokenizer> tokenizer,
                   Tokenizer::Load(model_dir + "/tokenizer.json"));
  ASSIGN_OR_RETURN(ChatTemplate chat, ChatTemplate::Load(model_dir + "/tokenizer_config.json"));
  return ChatExampleEncoder(std::move(tokenizer), std::move(chat));
}

absl::StatusOr<SftExample> ChatExampleEncoder::Encode(const std::string& user,
                                                      const std::string& reply) const {
  ASSIGN_OR_RETURN(std::string prompt,
                   chat_.Render({{"user", user}}, /*add_generation_prompt=*/true));
  ASSIGN_OR_RETURN(std::vector<int32_t> prompt_ids,
                   tokenizer_->Encode(prompt, /*add_special_tokens=*/false));
  ASSIGN_OR_RETURN(std::vector<int32_t> reply_ids,
                   tokenizer_->Encode(reply + chat_.end_of_turn(), /*add_special_tokens=*/false));
  return SftExample{Ints(prompt_ids), Ints(reply_ids)};
}

absl::StatusOr<std::unique_ptr<JsonlExampleSource>> JsonlExampleSource::Load(
    const std::string& path, const ChatExampleEncoder& encoder, uint64_t seed) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot open training data ", path));
  std::vector<SftExample> examples;
  std::string line;
  for (int number = 1; std::getline(in, line); ++number) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    const nlohmann::json json = nlohmann::json::parse(line, nullptr, /*allow_exceptions=*/false);
    const auto where = [&] { return absl::StrCat(path, ":", number, ": "); };
    if (!json.is_object() || !json.contains("prompt") || !json["prompt"].is_string() ||
        !json.contains("completion") || !json["completion"].is_string()) {
      return absl::InvalidArgumentError(
          absl::StrCat(where(), "expected {\"prompt\": string, \"completion\": string}"));
    }
    absl::StatusOr<SftExample> example =
        encoder.Encode(json["prompt"].get<std::string>(), json["completion"].get<std::string>());
    if (!example.ok()) return absl::InvalidArgumentError(where() + example.status().ToString());
    examples.push_back(*std::move(example));
  }
  if (examples.empty())
    return absl::InvalidArgumentError(absl::StrCat(path, ": no training examples"));
  return std::unique_ptr<JsonlExampleSource>(new JsonlExampleSource(std::move(examples), seed));
}

absl::StatusOr<std::vector<SftExample>> JsonlExampleSource::Next(int count) {
  std::vector<SftExample> out;
  while (static_cast<int>(out.size()) < count) {
    if (next_ == order_.size()) {
      order_.resize(examples_.size());
      for (size_t i = 0; i < order_.size(); ++i) order_[i] = i;
      for (size_t i = order_.size(); i > 1; --i) std::swap(order_[i - 1], order_[rng_() % i]);
      next_ = 0;
    }
    out.push_back(examples_[order_[next_++]]);
  }
  return out;
}

absl::StatusOr<std::unique_ptr<FamilyExampleSource>> FamilyExampleSource::Create(
    std::vector<WeightedSpec> specs, ChatExampleEncoder encoder, uint64_t seed) {
  if (specs.empty()) return absl::InvalidArgumentError("no task families to train on");
  double total = 0;
  for (const WeightedSpec& weighted : specs) {
    RETURN_IF_ERROR(ValidateBuiltinSpec(weighted.spec));
    if (!(weighted.weight > 0))
      return absl::InvalidArgumentError(
          absl::StrCat("family spec ", weighted.spec.dump(), ": weight must be positive"));
    total += weighted.weight;
  }
  std::unique_ptr<FamilyExampleSource> source(
      new FamilyExampleSource(std::move(specs), std::move(encoder), seed));
  source->total_weight_ = total;
  return source;
}

const nlohmann::json& FamilyExampleSource::PickSpec() {
  double draw = Uniform(rng_) * total_weight_;
  for (const WeightedSpec& weighted : specs_) {
    if (draw < weighted.weight) return weighted.spec;
    draw -= weighted.weight;
  }
  return specs_.back().spec;
}

absl::StatusOr<std::vector<SftExample>> FamilyExampleSource::Next(int count) {
  std::vector<SftExample> out;
  out.reserve(static_cast<size_t>(count));
  for (int i = 0; i < count; ++i) {
    const nlohmann::json& spec = PickSpec();
    ASSIGN_OR_RETURN(Task task, MakeBuiltinTask(spec, rng_(), 1));
    const TaskInstance& instance = task.instances.front();
    ASSIGN_OR_RETURN(SftExample example,
                     encoder_.Encode(UserMessage(instance), ReferenceReply(instance.reference)));
    out.push_back(std::move(example));
  }
  return out;
}

}  // namespace acdc
