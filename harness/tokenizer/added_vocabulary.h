#pragma once
// tokenizer.json "added_tokens": strings matched in the input before the model sees it, special or
// not. As in `tokenizers`, tokens with normalized=false are found in the raw text first; the text
// between them is normalized and then searched for the normalized=true tokens (whose contents are
// normalized the same way). Both searches take the leftmost, then longest, match and honour
// single_word, lstrip and rstrip.

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "harness/tokenizer/json_fields.h"
#include "harness/tokenizer/normalizer.h"

namespace engram::tokenizer {

struct AddedToken {
  int64_t id = -1;
  std::string content;
  bool single_word = false;
  bool lstrip = false;
  bool rstrip = false;
  bool normalized = true;
  bool special = false;
  // What decode and id_to_token show: for normalized tokens, the content after the normalizer
  // (tokenizers 0.23 caches that form so the decoder sees what encoding matched).
  std::string decode_form;
};

// A stretch of input: an added token (id >= 0) or text still to be tokenized (id == -1).
struct Segment {
  std::string_view text;
  int64_t id;
};

class AddedVocabulary {
 public:
  using ModelLookup = std::function<std::optional<int64_t>(std::string_view)>;

  // Parses the "added_tokens" array and assigns ids as tokenizers does (see the .cc). The
  // normalizer (may be null) spells the normalized tokens; model_id looks up the model vocabulary,
  // which has model_vocab_size entries.
  AddedVocabulary(const json& added_tokens, const std::string& where, const Normalizer* normalizer,
                  const ModelLookup& model_id, int64_t model_vocab_size);

  // Splits text on the tokens with normalized == `normalized` and appends the segments to out.
  void split(std::string_view text, bool normalized, std::vector<Segment>& out) const;

  const std::vector<AddedToken>& tokens() const { return tokens_; }
  const AddedToken* by_id(int64_t id) const;
  std::optional<int64_t> id_of(std::string_view content) const;
  // Whether a token string is the content of a special added token (what decode's skip uses).
  bool is_special_content(std::string_view content) const { return special_contents_.count(std::string(content)) != 0; }

 private:
  // Byte trie over token contents for leftmost-longest search.
  class Trie {
   public:
    void add(std::string_view key, int32_t value);
    // Longest key that starts at text[pos]: its length and value, or value -1.
    std::pair<size_t, int32_t> longest_at(std::string_view text, size_t pos) const;
    bool may_start(unsigned char b) const { return first_bytes_[b]; }
    bool empty() const { return nodes_.size() <= 1; }

   private:
    struct Node {
      std::vector<std::pair<unsigned char, int32_t>> next;  // sorted by byte
      int32_t value = -1;
    };
    std::vector<Node> nodes_{1};
    bool first_bytes_[256] = {};
  };

  std::vector<AddedToken> tokens_;
  std::unordered_map<int64_t, size_t> index_by_id_;
  std::unordered_map<std::string, int64_t> id_by_content_;
  std::unordered_set<std::string> special_contents_;
  Trie raw_trie_;         // normalized == false, matched on the raw text
  Trie normalized_trie_;  // normalized == true, matched on normalized text
};

}  // namespace engram::tokenizer
