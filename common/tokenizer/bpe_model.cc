#include "common/tokenizer/bpe_model.h"

#include <algorithm>
#include <utility>

#include "absl/container/inlined_vector.h"
#include "absl/strings/str_cat.h"
#include "common/status_macros.h"
#include "common/tokenizer/byte_level.h"

namespace acdc {
namespace {

using json = nlohmann::json;

absl::Status FieldError(const std::string& file, absl::string_view field, absl::string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(file, ": ", field, ": ", what));
}

// An optional string field that must be absent, null or equal to `allowed`.
absl::Status RequireStringOr(const json& model, const char* field, const std::string& allowed,
                             const std::string& file) {
  auto it = model.find(field);
  if (it == model.end() || it->is_null()) return absl::OkStatus();
  if (it->is_string() && it->get<std::string>() == allowed) return absl::OkStatus();
  return FieldError(file, absl::StrCat("model.", field),
                    absl::StrCat("unsupported value ", it->dump(), " (byte-level BPE only)"));
}

bool BoolField(const json& object, const char* field) {
  auto it = object.find(field);
  return it != object.end() && it->is_boolean() && it->get<bool>();
}

// One symbol of the word being merged: a token id and its neighbours in a linked list over
// the initial positions (merged-away symbols are marked dead).
struct Symbol {
  int32_t id;
  int32_t prev;
  int32_t next;
  bool alive;
};

// A merge candidate between the symbol at `pos` and its right neighbour. HF's order: lowest
// rank first, then leftmost position.
struct Candidate {
  int32_t rank;
  int32_t pos;
  int32_t new_id;
  bool operator<(const Candidate& other) const {  // for a max-heap of the best candidate
    return rank != other.rank ? rank > other.rank : pos > other.pos;
  }
};

}  // namespace

absl::StatusOr<std::unique_ptr<BpeModel>> BpeModel::FromJson(const json& model,
                                                             const std::string& file) {
  if (!model.is_object()) return FieldError(file, "model", "expected an object");
  auto dropout = model.find("dropout");
  if (dropout != model.end() && !dropout->is_null() &&
      !(dropout->is_number() && dropout->get<double>() == 0.0)) {
    return FieldError(file, "model.dropout", "BPE dropout is not supported");
  }
  if (BoolField(model, "byte_fallback")) {
    return FieldError(file, "model.byte_fallback",
                      "SentencePiece-style BPE (byte_fallback) is not supported; acdc reads "
                      "byte-level BPE (Llama 3, Qwen2, SmolLM2)");
  }
  RETURN_IF_ERROR(RequireStringOr(model, "continuing_subword_prefix", "", file));
  RETURN_IF_ERROR(RequireStringOr(model, "end_of_word_suffix", "", file));

  std::unique_ptr<BpeModel> bpe(new BpeModel());
  auto vocab = model.find("vocab");
  if (vocab == model.end()) return FieldError(file, "model.vocab", "missing");
  RETURN_IF_ERROR(bpe->LoadVocab(*vocab, file));
  auto merges = model.find("merges");
  if (merges == model.end()) return FieldError(file, "model.merges", "missing");
  RETURN_IF_ERROR(bpe->LoadMerges(*merges, file));
  bpe->ignore_merges_ = BoolField(model, "ignore_merges");
  bpe->fuse_unk_ = BoolField(model, "fuse_unk");
  auto unk = model.find("unk_token");
  if (unk != model.end() && unk->is_string()) {
    bpe->unk_id_ = bpe->TokenToId(unk->get<std::string>());
    if (bpe->unk_id_ < 0) {
      return FieldError(file, "model.unk_token",
                        absl::StrCat("'", unk->get<std::string>(), "' is not in the vocabulary"));
    }
  }
  return bpe;
}

absl::Status BpeModel::LoadVocab(const json& vocab, const std::string& file) {
  if (!vocab.is_object()) return FieldError(file, "model.vocab", "expected an object");
  std::fill(std::begin(byte_ids_), std::end(byte_ids_), -1);
  token_to_id_.reserve(vocab.size());
  bytes_to_id_.reserve(vocab.size());
  for (const auto& [token, id_json] : vocab.items()) {
    if (!id_json.is_number_integer() || id_json.get<int64_t>() < 0 ||
        id_json.get<int64_t>() >= (int64_t{1} << 30)) {
      return FieldError(file, absl::StrCat("model.vocab[\"", token, "\"]"),
                        "expected a non-negative integer id");
    }
    const auto id = static_cast<int32_t>(id_json.get<int64_t>());
    if (static_cast<size_t>(id) >= tokens_.size()) tokens_.resize(id + 1);
    tokens_[id] = token;
    token_to_id_[token] = id;
    // Tokens outside the byte alphabet cannot come out of merging bytes; they have no bytes.
    if (std::optional<std::string> bytes = ByteLevelToBytes(token)) {
      if (bytes->size() == 1) byte_ids_[static_cast<uint8_t>((*bytes)[0])] = id;
      bytes_to_id_[*std::move(bytes)] = id;
    }
  }
  return absl::OkStatus();
}

absl::Status BpeModel::LoadMerges(const json& merges, const std::string& file) {
  if (!merges.is_array()) return FieldError(file, "model.merges", "expected an array");
  merges_.reserve(merges.size());
  for (size_t rank = 0; rank < merges.size(); ++rank) {
    const json& merge = merges[rank];
    const std::string field = absl::StrCat("model.merges[", rank, "]");
    std::string left, right;
    if (merge.is_string()) {
      // The older format: "left right", exactly one space (byte-level tokens have none).
      const std::string& text = merge.get_ref<const std::string&>();
      const size_t space = text.find(' ');
      if (space == std::string::npos || text.find(' ', space + 1) != std::string::npos) {
        return FieldError(file, field, absl::StrCat("expected \"left right\", got \"", text, "\""));
      }
      left = text.substr(0, space);
      right = text.substr(space + 1);
    } else if (merge.is_array() && merge.size() == 2 && merge[0].is_string() &&
               merge[1].is_string()) {
      left = merge[0].get<std::string>();
      right = merge[1].get<std::string>();
    } else {
      return FieldError(file, field, "expected \"left right\" or [left, right]");
    }
    const int32_t left_id = TokenToId(left);
    const int32_t right_id = TokenToId(right);
    const int32_t new_id = TokenToId(left + right);
    if (left_id < 0 || right_id < 0 || new_id < 0) {
      const std::string& missing = left_id < 0 ? left : right_id < 0 ? right : left + right;
      return FieldError(file, field, absl::StrCat("'", missing, "' is not in the vocabulary"));
    }
    // As in HF (a map built in rank order), a repeated pair keeps its last rank.
    merges_[PairKey(left_id, right_id)] = Merge{static_cast<int32_t>(rank), new_id};
  }
  return absl::OkStatus();
}

int32_t BpeModel::TokenToId(absl::string_view token) const {
  auto it = token_to_id_.find(token);
  return it == token_to_id_.end() ? -1 : it->second;
}

const BpeModel::Merge* BpeModel::FindMerge(int32_t left, int32_t right) const {
  auto it = merges_.find(PairKey(left, right));
  return it == merges_.end() ? nullptr : &it->second;
}

void BpeModel::EncodeWord(absl::string_view word, std::vector<int32_t>* ids) const {
  if (word.empty()) return;
  if (word.size() == 1 && byte_ids_[static_cast<uint8_t>(word[0])] >= 0) {
    ids->push_back(byte_ids_[static_cast<uint8_t>(word[0])]);
    return;
  }
  if (ignore_merges_) {
    auto it = bytes_to_id_.find(word);
    if (it != bytes_to_id_.end()) {
      ids->push_back(it->second);
      return;
    }
  }
  {
    absl::ReaderMutexLock lock(&cache_mutex_);
    auto it = cache_.find(word);
    if (it != cache_.end()) {
      ids->insert(ids->end(), it->second.begin(), it->second.end());
      return;
    }
  }
  const size_t first = ids->size();
  MergeWord(word, ids);
  if (word.size() > kMaxCachedWordBytes) return;
  absl::MutexLock lock(&cache_mutex_);
  if (cache_.size() < kCacheCapacity) {
    cache_.try_emplace(std::string(word), ids->begin() + first, ids->end());
  }
}

void BpeModel::MergeWord(absl::string_view word, std::vector<int32_t>* ids) const {
  // Initial symbols: one per byte. A byte missing from the vocabulary becomes the unknown
  // token (runs fused when fuse_unk) or, without one, is dropped, as HF does.
  absl::InlinedVector<Symbol, 64> symbols;
  symbols.reserve(word.size());
  bool last_was_unk = false;
  for (char c : word) {
    int32_t id = byte_ids_[static_cast<uint8_t>(c)];
    const bool unk = id < 0;
    if (unk) {
      if (unk_id_ < 0) continue;
      if (fuse_unk_ && last_was_unk) continue;
      id = unk_id_;
    }
    last_was_unk = unk;
    const auto index = static_cast<int32_t>(symbols.size());
    symbols.push_back(Symbol{id, index - 1, index + 1, true});
  }
  if (symbols.empty()) return;
  symbols.back().next = -1;

  // Best merge first, from a heap of candidates; a popped candidate is stale when either side
  // has changed since it was pushed (checked as HF does, by the pair's merge result).
  absl::InlinedVector<Candidate, 64> heap;
  for (size_t i = 0; i + 1 < symbols.size(); ++i) {
    if (const Merge* m = FindMerge(symbols[i].id, symbols[i + 1].id)) {
      heap.push_back(Candidate{m->rank, static_cast<int32_t>(i), m->new_id});
    }
  }
  std::make_heap(heap.begin(), heap.end());
  auto push = [&heap](Candidate c) {
    heap.push_back(c);
    std::push_heap(heap.begin(), heap.end());
  };
  while (!heap.empty()) {
    std::pop_heap(heap.begin(), heap.end());
    const Candidate top = heap.back();
    heap.pop_back();
    Symbol& left = symbols[top.pos];
    if (!left.alive || left.next < 0) continue;
    Symbol& right = symbols[left.next];
    const Merge* current = FindMerge(left.id, right.id);
    if (current == nullptr || current->new_id != top.new_id) continue;

    left.id = top.new_id;
    right.alive = false;
    left.next = right.next;
    if (left.next >= 0) symbols[left.next].prev = top.pos;
    if (left.prev >= 0) {
      if (const Merge* m = FindMerge(symbols[left.prev].id, left.id)) {
        push(Candidate{m->rank, left.prev, m->new_id});
      }
    }
    if (left.next >= 0) {
      if (const Merge* m = FindMerge(left.id, symbols[left.next].id)) {
        push(Candidate{m->rank, top.pos, m->new_id});
      }
    }
  }
  for (int32_t i = 0; i >= 0; i = symbols[i].next) ids->push_back(symbols[i].id);
}

}  // namespace acdc
