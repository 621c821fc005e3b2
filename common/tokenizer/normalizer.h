// tokenizer.json's "normalizer": none, or Unicode NFC (Qwen2 and Qwen3). Internal to the
// tokenizer.
#pragma once

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace acdc {

class Normalizer {
 public:
  // Accepts null, {"type": "NFC"} and a Sequence of those; anything else is an error naming
  // `file` and the type.
  static absl::StatusOr<Normalizer> FromJson(const nlohmann::json& normalizer,
                                             const std::string& file);

  bool active() const { return nfc_; }
  // Appends the normalized form of `text` (valid UTF-8) to `out`.
  void Normalize(absl::string_view text, std::string* out) const;

 private:
  bool nfc_ = false;
};

// NFC of valid UTF-8 text, appended to `out`.
void AppendNfc(absl::string_view text, std::string* out);

}  // namespace acdc
