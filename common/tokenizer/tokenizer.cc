#include "common/tokenizer/tokenizer.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "common/files.h"
#include "common/status_macros.h"
#include "common/tokenizer/added_tokens.h"
#include "common/tokenizer/bpe_model.h"
#include "common/tokenizer/byte_level.h"
#include "common/tokenizer/normalizer.h"
#include "common/tokenizer/post_processor.h"
#include "common/tokenizer/pre_tokenizer.h"
#include "nlohmann/json.hpp"

namespace acdc {
namespace {

using json = nlohmann::json;

// Settings that would change encode()'s ids in ways acdc does not reproduce.
absl::Status CheckUnsupported(const json& root, const std::string& file) {
  for (const char* field : {"truncation", "padding"}) {
    auto it = root.find(field);
    if (it != root.end() && !it->is_null()) {
      return absl::InvalidArgumentError(
          absl::StrCat(file, ": ", field, " is set; acdc supports tokenizer.json without it"));
    }
  }
  auto decoder = root.find("decoder");
  const std::string decoder_type = decoder != root.end() && decoder->is_object()
                                       ? decoder->value("type", std::string())
                                       : std::string();
  if (decoder_type != "ByteLevel") {
    return absl::InvalidArgumentError(absl::StrCat(file, ": decoder: type '", decoder_type,
                                                   "' is not supported (ByteLevel only)"));
  }
  return absl::OkStatus();
}

}  // namespace

struct Tokenizer::Impl {
  Normalizer normalizer;
  std::unique_ptr<PreTokenizer> pre_tokenizer;
  std::unique_ptr<BpeModel> bpe;
  std::vector<AddedToken> added;
  absl::flat_hash_map<std::string, int32_t> added_by_content;
  AddedTokenMatcher raw_matcher;         // added tokens with normalized=false
  AddedTokenMatcher normalized_matcher;  // the others, matched after normalization
  SpecialTokenFrame frame;
  // Decoding, by id: the bytes a token stands for (empty for unused ids), whether special.
  std::vector<std::string> bytes;
  std::vector<uint8_t> special;

  absl::Status Build(const json& root, const std::string& file);
  void BuildDecodeTables();
  absl::Status EncodeText(absl::string_view text, std::vector<int32_t>* ids) const;
  absl::Status EncodeNormalized(absl::string_view text, std::vector<int32_t>* ids) const;
};

absl::Status Tokenizer::Impl::Build(const json& root, const std::string& file) {
  if (!root.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": expected a JSON object"));
  }
  auto model = root.find("model");
  if (model == root.end() || !model->is_object()) {
    return absl::InvalidArgumentError(absl::StrCat(file, ": model: missing"));
  }
  const std::string type = model->value("type", std::string("BPE"));
  if (type != "BPE") {
    return absl::InvalidArgumentError(
        absl::StrCat(file, ": model.type '", type,
                     "' is not supported; acdc reads byte-level BPE (Llama 3, Qwen2, SmolLM2)"));
  }
  RETURN_IF_ERROR(CheckUnsupported(root, file));
  ASSIGN_OR_RETURN(bpe, BpeModel::FromJson(*model, file));
  ASSIGN_OR_RETURN(normalizer, Normalizer::FromJson(root.value("normalizer", json()), file));
  ASSIGN_OR_RETURN(pre_tokenizer,
                   PreTokenizer::FromJson(root.value("pre_tokenizer", json()), file));
  ASSIGN_OR_RETURN(frame, ParsePostProcessor(root.value("post_processor", json()), file));
  ASSIGN_OR_RETURN(added, ParseAddedTokens(root.value("added_tokens", json()), file));
  for (const AddedToken& token : added) {
    added_by_content[token.content] = token.id;
    if (token.normalized) {
      // A normalized token is looked for in normalized text, so in its normalized form.
      std::string pattern;
      normalizer.Normalize(token.content, &pattern);
      normalized_matcher.Add(std::move(pattern), &token);
    } else {
      raw_matcher.Add(token.content, &token);
    }
  }
  raw_matcher.Finalize();
  normalized_matcher.Finalize();
  BuildDecodeTables();
  return absl::OkStatus();
}

void Tokenizer::Impl::BuildDecodeTables() {
  // HF's ByteLevel decoder maps each token's characters back to bytes, or keeps the token's
  // own UTF-8 when a character is outside the byte alphabet. Added tokens win over the
  // vocabulary for the same id.
  auto set = [this](int32_t id, const std::string& token, bool is_special) {
    if (static_cast<size_t>(id) >= bytes.size()) {
      bytes.resize(id + 1);
      special.resize(id + 1, 0);
    }
    std::optional<std::string> raw = ByteLevelToBytes(token);
    bytes[id] = raw ? *std::move(raw) : token;
    special[id] = is_special ? 1 : 0;
  };
  const std::vector<std::string>& tokens = bpe->tokens();
  for (size_t id = 0; id < tokens.size(); ++id) {
    if (!tokens[id].empty()) set(static_cast<int32_t>(id), tokens[id], false);
  }
  // HF decodes a normalized added token from its normalized content, and skips a token as
  // special when that string is a special token's content.
  absl::flat_hash_set<std::string> special_contents;
  for (const AddedToken& token : added) {
    if (token.special) special_contents.insert(token.content);
  }
  for (const AddedToken& token : added) {
    std::string content;
    if (token.normalized) {
      normalizer.Normalize(token.content, &content);
    } else {
      content = token.content;
    }
    set(token.id, content, special_contents.contains(content));
  }
}

absl::Status Tokenizer::Impl::EncodeText(absl::string_view text, std::vector<int32_t>* ids) const {
  if (raw_matcher.empty()) return EncodeNormalized(text, ids);
  std::vector<AddedTokenMatcher::Piece> pieces;
  raw_matcher.Split(text, &pieces);
  for (const AddedTokenMatcher::Piece& piece : pieces) {
    if (piece.id >= 0) {
      ids->push_back(piece.id);
    } else {
      RETURN_IF_ERROR(EncodeNormalized(piece.text, ids));
    }
  }
  return absl::OkStatus();
}

// Text between raw-matched added tokens: normalize, cut out normalized added tokens,
// pre-tokenize, BPE.
absl::Status Tokenizer::Impl::EncodeNormalized(absl::string_view text,
                                               std::vector<int32_t>* ids) const {
  std::string normalized_storage;
  absl::string_view normalized = text;
  if (normalizer.active()) {
    normalizer.Normalize(text, &normalized_storage);
    normalized = normalized_storage;
  }
  auto encode_word = [this, ids](absl::string_view word) { bpe->EncodeWord(word, ids); };
  if (normalized_matcher.empty()) return pre_tokenizer->Split(normalized, encode_word);
  std::vector<AddedTokenMatcher::Piece> pieces;
  normalized_matcher.Split(normalized, &pieces);
  for (const AddedTokenMatcher::Piece& piece : pieces) {
    if (piece.id >= 0) {
      ids->push_back(piece.id);
    } else {
      RETURN_IF_ERROR(pre_tokenizer->Split(piece.text, encode_word));
    }
  }
  return absl::OkStatus();
}

Tokenizer::Tokenizer(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}
Tokenizer::~Tokenizer() = default;

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::Load(const std::string& path) {
  ASSIGN_OR_RETURN(std::string text, ReadFileToString(path));
  return FromJson(text, path);
}

absl::StatusOr<std::unique_ptr<Tokenizer>> Tokenizer::FromJson(absl::string_view text,
                                                               const std::string& name) {
  json root;
  try {
    root = json::parse(text.begin(), text.end());
  } catch (const json::parse_error& e) {
    return absl::InvalidArgumentError(absl::StrCat(name, ": bad JSON: ", e.what()));
  }
  auto impl = std::make_unique<Impl>();
  RETURN_IF_ERROR(impl->Build(root, name));
  return std::unique_ptr<Tokenizer>(new Tokenizer(std::move(impl)));
}

absl::StatusOr<std::vector<int32_t>> Tokenizer::Encode(absl::string_view text,
                                                       bool add_special_tokens) const {
  if (!IsValidUtf8(text)) return absl::InvalidArgumentError("text is not valid UTF-8");
  const SpecialTokenFrame& frame = impl_->frame;
  std::vector<int32_t> ids;
  ids.reserve(text.size() / 3 + 8);
  if (add_special_tokens) ids.insert(ids.end(), frame.prefix.begin(), frame.prefix.end());
  RETURN_IF_ERROR(impl_->EncodeText(text, &ids));
  if (add_special_tokens) ids.insert(ids.end(), frame.suffix.begin(), frame.suffix.end());
  return ids;
}

std::string Tokenizer::Decode(absl::Span<const int32_t> ids, bool skip_special_tokens) const {
  std::string bytes;
  for (int32_t id : ids) {
    if (skip_special_tokens && IsSpecial(id)) continue;
    const absl::string_view token = TokenBytes(id);
    bytes.append(token.data(), token.size());
  }
  std::string text;
  text.reserve(bytes.size());
  AppendUtf8Lossy(bytes, /*final=*/true, &text);
  return text;
}

absl::string_view Tokenizer::TokenBytes(int32_t id) const {
  if (id < 0 || static_cast<size_t>(id) >= impl_->bytes.size()) return {};
  return impl_->bytes[id];
}

bool Tokenizer::IsSpecial(int32_t id) const {
  return id >= 0 && static_cast<size_t>(id) < impl_->special.size() && impl_->special[id] != 0;
}

std::optional<int32_t> Tokenizer::TokenToId(absl::string_view token) const {
  auto it = impl_->added_by_content.find(token);
  if (it != impl_->added_by_content.end()) return it->second;
  const int32_t id = impl_->bpe->TokenToId(token);
  if (id >= 0) return id;
  return std::nullopt;
}

int32_t Tokenizer::id_limit() const { return static_cast<int32_t>(impl_->bytes.size()); }

}  // namespace acdc
