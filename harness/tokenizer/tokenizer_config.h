#pragma once
// The parts of transformers' tokenizer_config.json the harness uses: which strings are BOS/EOS/PAD,
// whether the model expects BOS/EOS around a prompt (add_bos_token/add_eos_token), and the chat
// template (kept as text; rendering it is someone else's job).

#include <optional>
#include <string>

#include "harness/tokenizer/json_fields.h"

namespace engram::tokenizer {

struct TokenizerConfig {
  std::optional<std::string> bos_token, eos_token, pad_token, unk_token;
  std::optional<bool> add_bos_token, add_eos_token;
  std::string chat_template;
  std::string tokenizer_class;

  // Throws ConfigError naming the field. Special tokens may be strings or {"content": ...}
  // objects; chat_template may be a string or a list of {"name", "template"} (the one named
  // "default", else the first).
  static TokenizerConfig from_json(const json& j);
};

}  // namespace engram::tokenizer
