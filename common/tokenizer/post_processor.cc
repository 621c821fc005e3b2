#include "common/tokenizer/post_processor.h"

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace acdc {
namespace {

using json = nlohmann::json;

absl::Status Error(const std::string& file, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": post_processor", what));
}

// The ids of one of TemplateProcessing's special_tokens entries.
absl::StatusOr<std::vector<int32_t>> SpecialIds(const json& processor, const std::string& name,
                                                const std::string& file) {
  auto specials = processor.find("special_tokens");
  if (specials == processor.end() || !specials->is_object() || !specials->contains(name)) {
    return Error(file, absl::StrCat(".special_tokens: '", name, "' is missing"));
  }
  const json& entry = (*specials)[name];
  auto ids = entry.is_object() ? entry.find("ids") : entry.end();
  if (ids == entry.end() || !ids->is_array()) {
    return Error(file, absl::StrCat(".special_tokens['", name, "'].ids: expected an array"));
  }
  std::vector<int32_t> result;
  for (const json& id : *ids) {
    if (!id.is_number_integer() || id.get<int64_t>() < 0 ||
        id.get<int64_t>() >= (int64_t{1} << 30)) {
      return Error(file, absl::StrCat(".special_tokens['", name, "'].ids: expected ids"));
    }
    result.push_back(static_cast<int32_t>(id.get<int64_t>()));
  }
  return result;
}

// TemplateProcessing's "single" template: special tokens around the one sequence ($A).
absl::Status ApplyTemplate(const json& processor, const std::string& file,
                           SpecialTokenFrame* frame) {
  auto single = processor.find("single");
  if (single == processor.end() || !single->is_array()) {
    return Error(file, ".single: expected an array");
  }
  SpecialTokenFrame inner;
  bool seen_sequence = false;
  for (const json& piece : *single) {
    if (piece.contains("Sequence")) {
      if (seen_sequence) return Error(file, ".single: more than one sequence");
      seen_sequence = true;
    } else if (piece.contains("SpecialToken") && piece["SpecialToken"].contains("id") &&
               piece["SpecialToken"]["id"].is_string()) {
      ASSIGN_OR_RETURN(std::vector<int32_t> ids,
                       SpecialIds(processor, piece["SpecialToken"]["id"].get<std::string>(), file));
      std::vector<int32_t>& side = seen_sequence ? inner.suffix : inner.prefix;
      side.insert(side.end(), ids.begin(), ids.end());
    } else {
      return Error(file, ".single: expected Sequence or SpecialToken pieces");
    }
  }
  if (!seen_sequence) return Error(file, ".single: no sequence ($A)");
  // A later processor wraps what the earlier ones produced.
  inner.prefix.insert(inner.prefix.end(), frame->prefix.begin(), frame->prefix.end());
  frame->prefix = std::move(inner.prefix);
  frame->suffix.insert(frame->suffix.end(), inner.suffix.begin(), inner.suffix.end());
  return absl::OkStatus();
}

absl::Status Apply(const json& processor, const std::string& file, SpecialTokenFrame* frame) {
  if (processor.is_null()) return absl::OkStatus();
  const std::string type =
      processor.is_object() ? processor.value("type", std::string()) : std::string();
  if (type == "ByteLevel") return absl::OkStatus();
  if (type == "TemplateProcessing") return ApplyTemplate(processor, file, frame);
  if (type == "Sequence") {
    auto processors = processor.find("processors");
    if (processors == processor.end() || !processors->is_array()) {
      return Error(file, ".processors: expected an array");
    }
    for (const json& inner : *processors) RETURN_IF_ERROR(Apply(inner, file, frame));
    return absl::OkStatus();
  }
  return Error(file, absl::StrCat(": type '", type, "' is not supported"));
}

}  // namespace

absl::StatusOr<SpecialTokenFrame> ParsePostProcessor(const json& processor,
                                                     const std::string& file) {
  SpecialTokenFrame frame;
  RETURN_IF_ERROR(Apply(processor, file, &frame));
  return frame;
}

}  // namespace acdc
