#include "common/model/model_files.h"

#include <fstream>

#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

// What transformers and tokenizers read besides the weights, whichever the source has.
constexpr const char* kTokenizerFiles[] = {"tokenizer.json",
                                           "tokenizer_config.json",
                                           "special_tokens_map.json",
                                           "chat_template.jinja",
                                           "vocab.json",
                                           "merges.txt",
                                           "tokenizer.model",
                                           "added_tokens.json"};

const char* TransformersDTypeName(DType dtype) {
  switch (dtype) {
    case DType::kF32:
      return "float32";
    case DType::kF16:
      return "float16";
    case DType::kBF16:
      return "bfloat16";
  }
  return "float32";
}

absl::Status WriteConfig(const std::string& config_dir, DType dtype, const std::string& out_dir) {
  const std::string source = config_dir + "/config.json";
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(source));
  nlohmann::json config = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!config.is_object())
    return absl::InvalidArgumentError(absl::StrCat(source, ": not a JSON object"));
  config[config.contains("torch_dtype") ? "torch_dtype" : "dtype"] = TransformersDTypeName(dtype);
  std::ofstream out(out_dir + "/config.json", std::ios::trunc);
  out << config.dump(2) << "\n";
  if (!out) return absl::DataLossError(absl::StrCat("cannot write ", out_dir, "/config.json"));
  return absl::OkStatus();
}

absl::Status CopyIfPresent(const std::string& from_dir, const char* name,
                           const std::string& to_dir) {
  const std::string from = absl::StrCat(from_dir, "/", name);
  if (!IsRegularFile(from)) return absl::OkStatus();
  return CopyFile(from, absl::StrCat(to_dir, "/", name));
}

}  // namespace

absl::Status WriteModelSideFiles(const std::string& config_dir, const std::string& tokenizer_dir,
                                 DType weights_dtype, const std::string& out_dir) {
  RETURN_IF_ERROR(WriteConfig(config_dir, weights_dtype, out_dir));
  RETURN_IF_ERROR(CopyIfPresent(config_dir, "generation_config.json", out_dir));
  for (const char* name : kTokenizerFiles) {
    RETURN_IF_ERROR(CopyIfPresent(tokenizer_dir, name, out_dir));
  }
  return absl::OkStatus();
}

}  // namespace acdc
