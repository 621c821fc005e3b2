// What the model commands share: the runtime flags (--model, --device, --dtype, --threads),
// loading the model with its tokenizer, and reading JSONL input with errors naming the line.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "common/flags.h"
#include "common/tokenizer/tokenizer.h"
#include "nlohmann/json.hpp"
#include "worker/runtime/language_model.h"

namespace acdc {

struct LocalModelOptions {
  std::string model_dir;
  RuntimeOptions runtime;
};

void AddLocalModelFlags(FlagSet& flags, LocalModelOptions* options);

struct LocalModel {
  std::unique_ptr<LanguageModel> model;
  std::unique_ptr<Tokenizer> tokenizer;
};

absl::StatusOr<LocalModel> LoadLocalModel(const LocalModelOptions& options);

// Calls `visit` with each non-empty line of FILE parsed as JSON; stops at the first error,
// which names the file and line.
absl::Status ForEachJsonLine(
    const std::string& path,
    const std::function<absl::Status(const nlohmann::json&, int line)>& visit);

std::vector<int> ToInts(const std::vector<int32_t>& ids);

}  // namespace acdc
