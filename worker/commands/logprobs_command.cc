#include <iostream>

#include "absl/strings/str_cat.h"
#include "worker/commands/local_model.h"
#include "worker/commands/model_commands.h"

namespace acdc {
namespace {

int Fail(const absl::Status& status) {
  std::cerr << "acdc logprobs: error: " << status.message() << std::endl;
  return status.code() == absl::StatusCode::kInvalidArgument ? 2 : 1;
}

}  // namespace

int RunLogprobsCommand(const std::vector<std::string>& args) {
  LocalModelOptions options;
  std::string input;
  FlagSet flags("acdc logprobs",
                "Log-probability of each token of each text under the model: reads JSONL lines "
                "{\"text\": ...}, writes {\"ids\": [...], \"logprobs\": [null, lp1, ...]} where "
                "logprobs[i] = log p(ids[i] | ids[<i]).");
  AddLocalModelFlags(flags, &options);
  flags.AddString("input", &input, "JSONL file of {\"text\": ...} lines");
  flags.Require("input");
  if (absl::Status status = flags.Parse(args); !status.ok()) return Fail(status);
  if (flags.help_requested()) {
    std::cout << flags.Help();
    return 0;
  }
  absl::StatusOr<LocalModel> local = LoadLocalModel(options);
  if (!local.ok()) return Fail(local.status());
  absl::Status status =
      ForEachJsonLine(input, [&](const nlohmann::json& line, int number) -> absl::Status {
        if (!line.is_object() || !line.contains("text") || !line["text"].is_string()) {
          return absl::InvalidArgumentError(
              absl::StrCat(input, ":", number, ": expected {\"text\": \"...\"}"));
        }
        absl::StatusOr<std::vector<int32_t>> ids =
            local->tokenizer->Encode(line["text"].get<std::string>());
        if (!ids.ok()) return ids.status();
        absl::StatusOr<std::vector<std::vector<double>>> logprobs =
            local->model->LogProbs({ToInts(*ids)});
        if (!logprobs.ok()) return logprobs.status();
        nlohmann::json values = nlohmann::json::array();
        for (size_t i = 0; i < (*logprobs)[0].size(); ++i) {
          values.push_back(i == 0 ? nlohmann::json(nullptr) : nlohmann::json((*logprobs)[0][i]));
        }
        nlohmann::ordered_json out = {{"ids", *ids}, {"logprobs", values}};
        std::cout << out.dump() << "\n";
        return absl::OkStatus();
      });
  std::cout.flush();
  return status.ok() ? 0 : Fail(status);
}

}  // namespace acdc
