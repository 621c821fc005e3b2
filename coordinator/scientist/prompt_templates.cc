#include "coordinator/scientist/prompt_templates.h"

#include <filesystem>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "common/files.h"
#include "coordinator/scientist/builtin_prompts.h"

namespace acdc {

absl::StatusOr<PromptTemplates> PromptTemplates::Load(const std::string& dir) {
  PromptTemplates templates;
  templates.texts_ = BuiltinPrompts();
  if (dir.empty()) return templates;
  if (!IsDirectory(dir)) {
    return absl::NotFoundError(
        absl::StrCat("scientist.prompts_dir: '", dir, "' is not a directory"));
  }
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::filesystem::path path = entry.path();
    if (path.extension() != ".txt") continue;
    const std::string name = path.stem().string();
    if (!templates.texts_.count(name)) {
      std::string known;
      for (const auto& [template_name, text] : BuiltinPrompts()) {
        absl::StrAppend(&known, known.empty() ? "" : ", ", template_name, ".txt");
      }
      return absl::InvalidArgumentError(absl::StrCat("scientist.prompts_dir: ", path.string(),
                                                     " replaces no prompt (", known, ")"));
    }
    absl::StatusOr<std::string> text = ReadFileToString(path.string());
    if (!text.ok()) return text.status();
    templates.texts_[name] = *std::move(text);
  }
  return templates;
}

std::string PromptTemplates::Fill(const std::string& name,
                                  const std::map<std::string, std::string>& values) const {
  std::vector<std::pair<std::string, std::string>> replacements;
  for (const auto& [key, value] : values)
    replacements.emplace_back(absl::StrCat("{", key, "}"), value);
  return absl::StrReplaceAll(texts_.at(name), replacements);
}

}  // namespace acdc
