#pragma once
// tokenizer.json "model" of type BPE: vocabulary, ranked merges, and the per-word merge loop of
// `tokenizers` (lowest rank first, leftmost on ties), with a shared word cache.
//
// Supported options: merges as "a b" strings or [a, b] pairs, ignore_merges, unk_token, fuse_unk,
// byte_fallback, continuing_subword_prefix, end_of_word_suffix. dropout must be null or 0.

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "harness/tokenizer/json_fields.h"
#include "harness/tokenizer/word_cache.h"

namespace engram::tokenizer {

class BpeModel {
 public:
  // Throws ConfigError naming `where` ("model") for bad fields or unsupported options.
  BpeModel(const json& model, const std::string& where);

  // Appends the ids of one pre-tokenized word. Thread-safe.
  void tokenize(std::string_view word, std::vector<int64_t>& out) const;

  std::optional<int64_t> token_to_id(std::string_view token) const;
  // nullptr when the id is not in the vocabulary.
  const std::string* id_to_token(int64_t id) const;
  // Every vocabulary string, for vocab_size and id listings.
  const std::unordered_map<std::string_view, int32_t>& vocab() const { return vocab_; }
  // One past the largest id in the vocabulary.
  int64_t id_limit() const { return static_cast<int64_t>(by_id_.size()); }

  // Uncached merge of one word (tests and benchmarks compare it with the cached path).
  void tokenize_uncached(std::string_view word, std::vector<int32_t>& out) const;

 private:
  struct MergeInfo {
    int32_t rank;
    int32_t new_id;
  };
  static uint64_t pair_key(int32_t a, int32_t b) {
    return (static_cast<uint64_t>(static_cast<uint32_t>(a)) << 32) | static_cast<uint32_t>(b);
  }
  const MergeInfo* find_merge(int32_t a, int32_t b) const;
  // The two steps of the merge of one word, on a linked list of symbols (bpe_model.cc).
  struct Symbol;
  void split_into_symbols(std::string_view word, std::vector<Symbol>& symbols) const;
  void merge_symbols(std::vector<Symbol>& symbols) const;
  std::optional<int32_t> lookup(std::string_view s) const;

  std::vector<std::string> strings_;                     // vocabulary strings (keys below view them)
  std::unordered_map<std::string_view, int32_t> vocab_;  // string -> id
  std::vector<const std::string*> by_id_;                // id -> string (nullptr for holes)
  std::unordered_map<uint64_t, MergeInfo> merges_;       // (left id, right id) -> rank, merged id

  std::optional<int32_t> unk_id_;
  bool fuse_unk_ = false;
  bool byte_fallback_ = false;
  bool ignore_merges_ = false;
  std::string continuing_subword_prefix_;
  std::string end_of_word_suffix_;
  int32_t byte_fallback_ids_[256];  // id of "<0xXX>" per byte, -1 when absent

  mutable WordCache cache_;
};

}  // namespace engram::tokenizer
