#pragma once
// tokenizer.json "decoder": turns token strings back into text. Like `tokenizers`, every decoder
// maps a list of strings to a list of strings ("decode_chain") and the results are concatenated.
// Supported: ByteLevel, Sequence, Replace, Fuse, Strip, ByteFallback.

#include <memory>
#include <string>
#include <vector>

#include "harness/tokenizer/json_fields.h"

namespace engram::tokenizer {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual void decode_chain(std::vector<std::string>& tokens) const = 0;
  // True for a plain ByteLevel decoder, whose per-token bytes the tokenizer precomputes.
  virtual bool is_byte_level() const { return false; }
};

// nullptr for a JSON null. Throws ConfigError naming `where` for unknown types or bad fields.
std::unique_ptr<Decoder> make_decoder(const json& j, const std::string& where);

}  // namespace engram::tokenizer
