// ParseNumberText (see number_text.h): validates the written form, then converts with
// std::from_chars, which ignores the locale.
#include "common/tasks/number_text.h"

#include <cctype>
#include <charconv>
#include <string>

namespace acdc {
namespace {

bool IsDigit(char c) { return std::isdigit(static_cast<unsigned char>(c)) != 0; }

// Consumes digits at `pos`; returns how many.
size_t Digits(std::string_view text, size_t& pos) {
  const size_t start = pos;
  while (pos < text.size() && IsDigit(text[pos])) ++pos;
  return pos - start;
}

// The integer part at `pos`, either plain digits or groups of three after commas ("12,345"),
// appended to `out` without the commas. False when a comma breaks the grouping.
bool IntegerPart(std::string_view text, size_t& pos, std::string& out) {
  const size_t start = pos;
  const size_t lead = Digits(text, pos);
  out.append(text.substr(start, lead));
  if (pos >= text.size() || text[pos] != ',') return true;
  if (lead == 0 || lead > 3) return false;
  while (pos < text.size() && text[pos] == ',') {
    const size_t group_start = ++pos;
    if (Digits(text, pos) != 3) return false;
    out.append(text.substr(group_start, 3));
  }
  return true;
}

}  // namespace

std::optional<double> ParseNumberText(std::string_view text) {
  std::string clean;
  size_t pos = 0;
  if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    if (text[pos] == '-') clean += '-';
    ++pos;
  }
  const size_t before = clean.size();
  if (!IntegerPart(text, pos, clean)) return std::nullopt;
  bool has_digits = clean.size() > before;
  if (pos < text.size() && text[pos] == '.') {
    const size_t start = pos++;
    const size_t fraction = Digits(text, pos);
    has_digits = has_digits || fraction > 0;
    clean.append(text.substr(start, pos - start));
  }
  if (!has_digits) return std::nullopt;
  if (pos < text.size() && (text[pos] == 'e' || text[pos] == 'E')) {
    const size_t start = pos++;
    if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) ++pos;
    if (Digits(text, pos) == 0) return std::nullopt;
    clean.append(text.substr(start, pos - start));
  }
  if (pos != text.size()) return std::nullopt;
  double value = 0;
  const char* end = clean.data() + clean.size();
  const auto [ptr, error] = std::from_chars(clean.data(), end, value);
  if (error != std::errc() || ptr != end) return std::nullopt;
  return value;
}

}  // namespace acdc
