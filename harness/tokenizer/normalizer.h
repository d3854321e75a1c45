#pragma once
// tokenizer.json "normalizer": rewrites each stretch of text between added tokens before
// pre-tokenization. Offsets are not tracked (the harness needs ids, not alignments).
//
// Supported: Sequence, NFC, NFD, NFKC, NFKD, Lowercase, Replace (String or Regex pattern), Prepend,
// Strip, StripAccents. Anything else is rejected at load time.

#include <memory>
#include <string>

#include "harness/tokenizer/json_fields.h"

namespace engram::tokenizer {

class Normalizer {
 public:
  virtual ~Normalizer() = default;
  // Rewrites text (valid UTF-8) in place.
  virtual void normalize(std::string& text) const = 0;
};

// nullptr for a JSON null. Throws ConfigError naming `where` for unknown types or bad fields.
std::unique_ptr<Normalizer> make_normalizer(const json& j, const std::string& where);

}  // namespace engram::tokenizer
