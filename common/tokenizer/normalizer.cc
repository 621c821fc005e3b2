#include "common/tokenizer/normalizer.h"

#include <utf8proc.h>

#include <cstdlib>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace acdc {
namespace {

using json = nlohmann::json;

// Below U+0300 every character is a starter that nothing before it composes with, and that is
// its own NFC; so NFC can be computed run by run, where a run starts at such a character and
// holds the characters >= U+0300 after it. Lead bytes below 0xCC encode code points < U+0300.
bool IsLowByte(unsigned char c) { return c < 0xCC && (c & 0xC0) != 0x80; }

absl::Status AddStep(const json& step, const std::string& file, bool* nfc) {
  if (step.is_null()) return absl::OkStatus();
  const auto type = step.is_object() ? step.value("type", std::string()) : std::string();
  if (type == "NFC") {
    *nfc = true;
    return absl::OkStatus();
  }
  if (type == "Sequence") {
    auto steps = step.find("normalizers");
    if (steps == step.end() || !steps->is_array()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": normalizer.normalizers: expected an array"));
    }
    for (const json& inner : *steps) RETURN_IF_ERROR(AddStep(inner, file, nfc));
    return absl::OkStatus();
  }
  return absl::InvalidArgumentError(absl::StrCat(
      file, ": normalizer: type '", type, "' is not supported (only NFC, as in Qwen2/Qwen3)"));
}

}  // namespace

absl::StatusOr<Normalizer> Normalizer::FromJson(const json& normalizer, const std::string& file) {
  Normalizer result;
  RETURN_IF_ERROR(AddStep(normalizer, file, &result.nfc_));
  return result;
}

void Normalizer::Normalize(absl::string_view text, std::string* out) const {
  if (nfc_) {
    AppendNfc(text, out);
  } else {
    out->append(text.data(), text.size());
  }
}

void AppendNfc(absl::string_view text, std::string* out) {
  const auto* data = reinterpret_cast<const unsigned char*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    // Copy the low characters, keeping the last one: it may compose with what follows.
    size_t j = i;
    while (j < size && IsLowByte(data[j])) {
      size_t next = j + 1;
      while (next < size && (data[next] & 0xC0) == 0x80) ++next;
      if (next < size && !IsLowByte(data[next])) break;
      j = next;
    }
    out->append(text.data() + i, j - i);
    if (j >= size) break;
    // A run: one starter (or none at the text's start) and the high characters after it.
    size_t end = j + 1;
    while (end < size && (data[end] & 0xC0) == 0x80) ++end;
    while (end < size && !IsLowByte(data[end])) ++end;
    utf8proc_uint8_t* normalized = nullptr;
    const utf8proc_ssize_t n =
        utf8proc_map(data + j, static_cast<utf8proc_ssize_t>(end - j), &normalized,
                     static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPOSE));
    if (n >= 0) {
      out->append(reinterpret_cast<const char*>(normalized), static_cast<size_t>(n));
    } else {
      out->append(text.data() + j, end - j);  // not reached for valid UTF-8
    }
    std::free(normalized);
    i = end;
  }
}

}  // namespace acdc
