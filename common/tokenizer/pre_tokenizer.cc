#include "common/tokenizer/pre_tokenizer.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status_macros.h"

namespace acdc {
namespace {

using json = nlohmann::json;

// GPT-2's pattern, used by ByteLevel when use_regex is true (HF tokenizers' byte_level.rs).
constexpr char kGpt2Pattern[] =
    R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";

std::string Pcre2Message(int code) {
  PCRE2_UCHAR buffer[256];
  pcre2_get_error_message(code, buffer, sizeof(buffer));
  return reinterpret_cast<const char*>(buffer);
}

// A literal as a PCRE2 pattern (Split's {"String": ...} form).
std::string QuoteLiteral(const std::string& literal) {
  std::string quoted;
  for (char c : literal) {
    if (absl::string_view("\\^$.|?*+()[]{}").find(c) != absl::string_view::npos) {
      quoted.push_back('\\');
    }
    quoted.push_back(c);
  }
  return quoted;
}

}  // namespace

// One compiled pattern and what to do with its matches.
class PreTokenizer::Regex {
 public:
  ~Regex() { pcre2_code_free(code_); }

  static absl::StatusOr<std::unique_ptr<Regex>> Compile(const std::string& pattern,
                                                        bool remove_matches,
                                                        const std::string& where) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     PCRE2_UTF | PCRE2_UCP, &error, &offset, nullptr);
    if (code == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat(where, ": bad regex at offset ", offset, ": ", Pcre2Message(error)));
    }
    std::unique_ptr<Regex> regex(new Regex(code, remove_matches));
    // Without JIT (an architecture PCRE2 has no JIT for) the interpreter gives the same
    // matches, only slower.
    regex->jit_ = pcre2_jit_compile(code, PCRE2_JIT_COMPLETE) == 0;
    return regex;
  }

  pcre2_match_data* NewMatchData() const {
    return pcre2_match_data_create_from_pattern(code_, nullptr);
  }

  // Finds the first match at or after `offset`: returns 1 and sets [*start, *end), 0 when
  // there is none, or a negative PCRE2 error code.
  int Find(absl::string_view subject, size_t offset, pcre2_match_data* match, size_t* start,
           size_t* end) const {
    const auto* data = reinterpret_cast<PCRE2_SPTR>(subject.data());
    // The text was checked to be valid UTF-8 once, up front.
    int rc =
        jit_ ? pcre2_jit_match(code_, data, subject.size(), offset, 0, match, nullptr)
             : pcre2_match(code_, data, subject.size(), offset, PCRE2_NO_UTF_CHECK, match, nullptr);
    if (rc == PCRE2_ERROR_JIT_STACKLIMIT)
      rc = FindWithLargeStack(data, subject.size(), offset, match);
    if (rc == PCRE2_ERROR_NOMATCH) return 0;
    if (rc < 0) return rc;
    const PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(match);
    *start = ovector[0];
    *end = ovector[1];
    return 1;
  }

  bool remove_matches() const { return remove_matches_; }

 private:
  Regex(pcre2_code* code, bool remove_matches) : code_(code), remove_matches_(remove_matches) {}

  // The default JIT stack (32 KiB) can run out on very long runs of one class of characters;
  // retry with a large one, made for this call only since a JIT stack is single-threaded.
  int FindWithLargeStack(PCRE2_SPTR data, size_t size, size_t offset,
                         pcre2_match_data* match) const {
    pcre2_jit_stack* stack = pcre2_jit_stack_create(1 << 16, 256 << 20, nullptr);
    pcre2_match_context* context = pcre2_match_context_create(nullptr);
    if (stack == nullptr || context == nullptr) {
      pcre2_jit_stack_free(stack);
      pcre2_match_context_free(context);
      return PCRE2_ERROR_NOMEMORY;
    }
    pcre2_jit_stack_assign(context, nullptr, stack);
    const int rc = pcre2_jit_match(code_, data, size, offset, 0, match, context);
    pcre2_match_context_free(context);
    pcre2_jit_stack_free(stack);
    return rc;
  }

  pcre2_code* code_;
  bool remove_matches_;
  bool jit_ = false;
};

struct PreTokenizer::Scratch {
  std::vector<pcre2_match_data*> match;
  ~Scratch() {
    for (pcre2_match_data* m : match) pcre2_match_data_free(m);
  }
};

PreTokenizer::~PreTokenizer() = default;

absl::StatusOr<std::unique_ptr<PreTokenizer>> PreTokenizer::FromJson(const json& pre,
                                                                     const std::string& file) {
  std::unique_ptr<PreTokenizer> result(new PreTokenizer());
  RETURN_IF_ERROR(result->AddStep(pre, file));
  if (!result->byte_level_) {
    return absl::InvalidArgumentError(
        absl::StrCat(file,
                     ": pre_tokenizer: no ByteLevel step; acdc reads byte-level BPE only "
                     "(Llama 3, Qwen2, SmolLM2)"));
  }
  return result;
}

absl::Status PreTokenizer::AddRegex(const std::string& pattern, bool remove_matches,
                                    const std::string& file, const std::string& field) {
  ASSIGN_OR_RETURN(std::unique_ptr<Regex> regex,
                   Regex::Compile(pattern, remove_matches, absl::StrCat(file, ": ", field)));
  steps_.push_back(std::move(regex));
  return absl::OkStatus();
}

absl::Status PreTokenizer::AddStep(const json& step, const std::string& file) {
  const std::string field = "pre_tokenizer";
  if (step.is_null()) return absl::OkStatus();
  const std::string type = step.is_object() ? step.value("type", std::string()) : std::string();
  if (type == "Sequence") {
    auto steps = step.find("pretokenizers");
    if (steps == step.end() || !steps->is_array()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": pre_tokenizer.pretokenizers: expected an array"));
    }
    for (const json& inner : *steps) RETURN_IF_ERROR(AddStep(inner, file));
    return absl::OkStatus();
  }
  if (type == "ByteLevel") {
    if (step.value("add_prefix_space", false)) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": pre_tokenizer ByteLevel: add_prefix_space=true is not supported"));
    }
    byte_level_ = true;
    if (step.value("use_regex", true)) return AddRegex(kGpt2Pattern, false, file, field);
    return absl::OkStatus();
  }
  if (type == "Digits") {
    return AddRegex(step.value("individual_digits", false) ? R"(\p{N})" : R"(\p{N}+)", false, file,
                    field);
  }
  if (type == "Split") {
    if (step.value("invert", false)) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": pre_tokenizer Split: invert=true is not supported"));
    }
    const std::string behavior = step.value("behavior", std::string());
    if (behavior != "Isolated" && behavior != "Removed") {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": pre_tokenizer Split: behavior '", behavior,
                       "' is not supported (Isolated and Removed are)"));
    }
    auto pattern = step.find("pattern");
    if (pattern != step.end() && pattern->is_object()) {
      auto regex = pattern->find("Regex");
      if (regex != pattern->end() && regex->is_string()) {
        return AddRegex(regex->get<std::string>(), behavior == "Removed", file,
                        "pre_tokenizer Split pattern");
      }
      auto literal = pattern->find("String");
      if (literal != pattern->end() && literal->is_string()) {
        return AddRegex(QuoteLiteral(literal->get<std::string>()), behavior == "Removed", file,
                        "pre_tokenizer Split pattern");
      }
    }
    return absl::InvalidArgumentError(absl::StrCat(
        file, ": pre_tokenizer Split: pattern must be {\"Regex\": ...} or {\"String\": ...}"));
  }
  return absl::InvalidArgumentError(absl::StrCat(file, ": pre_tokenizer: type '", type,
                                                 "' is not supported (byte-level BPE only)"));
}

absl::Status PreTokenizer::Split(absl::string_view text,
                                 absl::FunctionRef<void(absl::string_view)> emit) const {
  Scratch scratch;
  scratch.match.reserve(steps_.size());
  for (const auto& step : steps_) {
    scratch.match.push_back(step->NewMatchData());
    if (scratch.match.back() == nullptr) return absl::ResourceExhaustedError("out of memory");
  }
  return SplitFrom(0, text, scratch, emit);
}

absl::Status PreTokenizer::SplitFrom(size_t step, absl::string_view text, Scratch& scratch,
                                     absl::FunctionRef<void(absl::string_view)> emit) const {
  if (text.empty()) return absl::OkStatus();
  if (step == steps_.size()) {
    emit(text);
    return absl::OkStatus();
  }
  const Regex& regex = *steps_[step];
  size_t offset = 0;  // where the next search starts
  size_t done = 0;    // text before this has been passed on
  while (offset < text.size()) {
    size_t start = 0, end = 0;
    const int found = regex.Find(text, offset, scratch.match[step], &start, &end);
    if (found < 0) {
      return absl::ResourceExhaustedError(
          absl::StrCat("pre-tokenizer regex failed: ", Pcre2Message(found)));
    }
    if (found == 0) break;
    if (end == start) {
      // An empty match splits nothing; step over one character.
      offset = end + 1;
      while (offset < text.size() && (static_cast<unsigned char>(text[offset]) & 0xC0) == 0x80) {
        ++offset;
      }
      continue;
    }
    RETURN_IF_ERROR(SplitFrom(step + 1, text.substr(done, start - done), scratch, emit));
    if (!regex.remove_matches()) {
      RETURN_IF_ERROR(SplitFrom(step + 1, text.substr(start, end - start), scratch, emit));
    }
    done = offset = end;
  }
  return SplitFrom(step + 1, text.substr(done), scratch, emit);
}

}  // namespace acdc
