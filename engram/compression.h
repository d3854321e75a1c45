#pragma once
// Engram's tokenizer compression (reference: CompressedTokenizer): raw token ids are collapsed onto
// canonical ids by normalised text, so that "Apple", " apple" and "APPLE" share n-gram statistics.

#include <cstdint>
#include <string>
#include <vector>

namespace engram {

// The reference normaliser chain: NFKC, NFD, strip marks (Mn, Mc, Me), full lowercase, runs of
// [ \t\r\n] to one space, a string that is exactly one space kept, otherwise strip White_Space.
// Input must be valid UTF-8.
std::string normalize_token_text(const std::string& utf8);

// True when text is well-formed UTF-8 and holds no U+FFFD (the decoder's mark for partial bytes).
bool is_clean_utf8(const std::string& text);

struct VocabEntry {
  int64_t id = 0;
  std::string decoded_text;  // tokenizer.decode([id]); may be partial UTF-8
  std::string raw_token;     // convert_ids_to_tokens(id)
};

class CompressionTable {
 public:
  CompressionTable() = default;
  // Entries must cover ids 0..n-1 exactly once (any order).
  static CompressionTable build(std::vector<VocabEntry> entries);
  // Reads what save() wrote; errors name the file and the field.
  static CompressionTable load(const std::string& path);
  // Atomic: writes a temporary file beside path, then renames it.
  void save(const std::string& path) const;

  const std::vector<int64_t>& lookup_table() const { return lookup_; }
  const std::vector<std::string>& keys() const { return keys_; }  // key of each compressed id
  int64_t vocab_size() const { return static_cast<int64_t>(lookup_.size()); }
  int64_t compressed_size() const { return static_cast<int64_t>(keys_.size()); }
  // 1 - compressed/raw, the paper's "compression ratio".
  double reduction() const;
  int64_t compress(int64_t id) const;

 private:
  std::vector<int64_t> lookup_;
  std::vector<std::string> keys_;
};

}  // namespace engram
