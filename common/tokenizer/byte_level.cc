#include "common/tokenizer/byte_level.h"

#include <array>

namespace acdc {
namespace {

constexpr char kReplacement[] = "\xEF\xBF\xBD";  // U+FFFD

// GPT-2's bytes_to_unicode(): bytes that are printable Latin-1 keep their code point; the rest
// take U+0100 + n in byte order.
struct Alphabet {
  std::array<uint32_t, 256> byte_to_code{};
  std::array<int16_t, 324> code_to_byte{};  // every mapped code point is below 0x144

  Alphabet() {
    code_to_byte.fill(-1);
    int next = 0;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || b >= 0xAE;
      byte_to_code[b] = printable ? static_cast<uint32_t>(b) : 0x100u + next++;
      code_to_byte[byte_to_code[b]] = static_cast<int16_t>(b);
    }
  }
};

const Alphabet& GetAlphabet() {
  static const Alphabet* alphabet = new Alphabet();
  return *alphabet;
}

void AppendCodePoint(uint32_t code, std::string* out) {
  if (code < 0x80) {
    out->push_back(static_cast<char>(code));
  } else if (code < 0x800) {
    out->push_back(static_cast<char>(0xC0 | (code >> 6)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  } else {
    // Only U+0100..U+0143 and ASCII/Latin-1 occur here, so three bytes are never needed; kept
    // general for safety.
    out->push_back(static_cast<char>(0xE0 | (code >> 12)));
    out->push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
    out->push_back(static_cast<char>(0x80 | (code & 0x3F)));
  }
}

// Expected length of the sequence led by `lead` (0 when it cannot start one) and the valid
// range of its second byte (the Unicode table of well-formed byte sequences).
struct LeadInfo {
  int length;
  uint8_t second_lo;
  uint8_t second_hi;
};

LeadInfo Lead(uint8_t lead) {
  if (lead < 0x80) return {1, 0, 0};
  if (lead >= 0xC2 && lead <= 0xDF) return {2, 0x80, 0xBF};
  if (lead == 0xE0) return {3, 0xA0, 0xBF};
  if (lead == 0xED) return {3, 0x80, 0x9F};
  if (lead >= 0xE1 && lead <= 0xEF) return {3, 0x80, 0xBF};
  if (lead == 0xF0) return {4, 0x90, 0xBF};
  if (lead >= 0xF1 && lead <= 0xF3) return {4, 0x80, 0xBF};
  if (lead == 0xF4) return {4, 0x80, 0x8F};
  return {0, 0, 0};
}

// Length of the valid prefix of the sequence starting at `p` (at most `avail` bytes looked at):
// returns {prefix, complete}.
std::pair<int, bool> ScanSequence(const uint8_t* p, size_t avail) {
  const LeadInfo info = Lead(p[0]);
  if (info.length == 0) return {1, false};
  if (info.length == 1) return {1, true};
  int n = 1;
  while (n < info.length) {
    if (static_cast<size_t>(n) >= avail) return {n, false};
    const uint8_t lo = n == 1 ? info.second_lo : 0x80;
    const uint8_t hi = n == 1 ? info.second_hi : 0xBF;
    if (p[n] < lo || p[n] > hi) return {n, false};
    ++n;
  }
  return {n, true};
}

}  // namespace

std::optional<std::string> ByteLevelToBytes(absl::string_view token) {
  const Alphabet& alphabet = GetAlphabet();
  std::string bytes;
  bytes.reserve(token.size());
  const auto* p = reinterpret_cast<const uint8_t*>(token.data());
  const auto* end = p + token.size();
  while (p < end) {
    // Every alphabet character is one or two UTF-8 bytes (below U+0144).
    uint32_t code;
    if (p[0] < 0x80) {
      code = p[0];
      p += 1;
    } else if ((p[0] & 0xE0) == 0xC0 && p + 1 < end && (p[1] & 0xC0) == 0x80) {
      code = ((p[0] & 0x1Fu) << 6) | (p[1] & 0x3Fu);
      p += 2;
    } else {
      return std::nullopt;
    }
    if (code >= alphabet.code_to_byte.size() || alphabet.code_to_byte[code] < 0) {
      return std::nullopt;
    }
    bytes.push_back(static_cast<char>(alphabet.code_to_byte[code]));
  }
  return bytes;
}

std::string BytesToByteLevel(absl::string_view bytes) {
  const Alphabet& alphabet = GetAlphabet();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (char c : bytes) AppendCodePoint(alphabet.byte_to_code[static_cast<uint8_t>(c)], &out);
  return out;
}

size_t AppendUtf8Lossy(absl::string_view bytes, bool final, std::string* out) {
  const auto* data = reinterpret_cast<const uint8_t*>(bytes.data());
  const size_t size = bytes.size();
  size_t i = 0;
  while (i < size) {
    if (data[i] < 0x80) {
      out->push_back(static_cast<char>(data[i++]));
      continue;
    }
    const auto [n, complete] = ScanSequence(data + i, size - i);
    if (complete) {
      out->append(bytes.data() + i, n);
    } else if (!final && i + n == size && Lead(data[i]).length > n) {
      break;  // a valid prefix cut by the end of the input: wait for more bytes
    } else {
      out->append(kReplacement);
    }
    i += n;
  }
  return i;
}

bool IsValidUtf8(absl::string_view text) {
  const auto* data = reinterpret_cast<const uint8_t*>(text.data());
  const size_t size = text.size();
  size_t i = 0;
  while (i < size) {
    if (data[i] < 0x80) {
      ++i;
      continue;
    }
    const auto [n, complete] = ScanSequence(data + i, size - i);
    if (!complete) return false;
    i += n;
  }
  return true;
}

}  // namespace acdc
