#include "worker/commands/local_model.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace acdc {

void AddLocalModelFlags(FlagSet& flags, LocalModelOptions* options) {
  flags.AddString("model", &options->model_dir,
                  "Hugging Face model directory (config.json, *.safetensors, tokenizer.json)");
  flags.AddString("device", &options->runtime.device, "cpu, cuda or cuda:N");
  flags.AddString("dtype", &options->runtime.dtype, "fp32, bf16 or fp16 (CUDA)");
  flags.AddInt("threads", &options->runtime.threads, "CPU threads (0: libtorch's default)", 0,
               1024);
  flags.Require("model");
}

absl::StatusOr<LocalModel> LoadLocalModel(const LocalModelOptions& options) {
  LocalModel local;
  ASSIGN_OR_RETURN(local.tokenizer, Tokenizer::Load(options.model_dir + "/tokenizer.json"));
  ASSIGN_OR_RETURN(local.model, LanguageModel::Load(options.model_dir, options.runtime));
  return local;
}

absl::Status ForEachJsonLine(
    const std::string& path,
    const std::function<absl::Status(const nlohmann::json&, int line)>& visit) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("cannot read '", path, "'"));
  std::string text;
  for (int line = 1; std::getline(in, text); ++line) {
    if (text.find_first_not_of(" \t\r") == std::string::npos) continue;
    nlohmann::json json = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (json.is_discarded()) {
      return absl::InvalidArgumentError(absl::StrCat(path, ":", line, ": not valid JSON"));
    }
    RETURN_IF_ERROR(visit(json, line));
  }
  return absl::OkStatus();
}

std::vector<int> ToInts(const std::vector<int32_t>& ids) {
  return std::vector<int>(ids.begin(), ids.end());
}

}  // namespace acdc
