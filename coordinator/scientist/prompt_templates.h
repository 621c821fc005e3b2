// The scientist's prompts: template files compiled in from coordinator/scientist/prompts/, each
// replaceable by a file of the same name in the run's `scientist.prompts_dir`. Placeholders are
// {name}; only the names a template is filled with are replaced, so the braces of code and JSON
// in a template stay as they are.
#pragma once

#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace acdc {

class PromptTemplates {
 public:
  // The compiled-in templates, with the .txt files of `dir` (when not empty) in their place.
  // Errors name a file that cannot be read or that replaces no template.
  static absl::StatusOr<PromptTemplates> Load(const std::string& dir);

  // Template `name` with each {key} of `values` replaced.
  std::string Fill(const std::string& name,
                   const std::map<std::string, std::string>& values = {}) const;

 private:
  std::map<std::string, std::string> texts_;
};

}  // namespace acdc
