#include "harness/tokenizer/tokenizer_config.h"

namespace engram::tokenizer {

namespace {

std::optional<std::string> special_token(const json& j, const char* key) {
  const json* v = optional_member(j, key);
  if (!v) return std::nullopt;
  if (v->is_string()) return v->get<std::string>();
  if (v->is_object()) return required_string(*v, "content", key);
  fail_field(key, "must be a string, an object with \"content\", or null");
}

std::optional<bool> optional_bool(const json& j, const char* key) {
  const json* v = optional_member(j, key);
  if (!v) return std::nullopt;
  if (!v->is_boolean()) fail_field(key, "must be true or false");
  return v->get<bool>();
}

}  // namespace

TokenizerConfig TokenizerConfig::from_json(const json& j) {
  if (!j.is_object()) fail_field("(top level)", "must be a JSON object");
  TokenizerConfig c;
  c.bos_token = special_token(j, "bos_token");
  c.eos_token = special_token(j, "eos_token");
  c.pad_token = special_token(j, "pad_token");
  c.unk_token = special_token(j, "unk_token");
  c.add_bos_token = optional_bool(j, "add_bos_token");
  c.add_eos_token = optional_bool(j, "add_eos_token");
  c.tokenizer_class = optional_string(j, "tokenizer_class", "").value_or("");
  if (const json* t = optional_member(j, "chat_template")) {
    if (t->is_string()) {
      c.chat_template = t->get<std::string>();
    } else if (t->is_array()) {
      for (size_t i = 0; i < t->size(); ++i) {
        const std::string w = index_field("chat_template", i);
        const std::string name = required_string((*t)[i], "name", w);
        if (name == "default" || c.chat_template.empty()) c.chat_template = required_string((*t)[i], "template", w);
        if (name == "default") break;
      }
    } else {
      fail_field("chat_template", "must be a string or a list of {name, template}");
    }
  }
  return c;
}

}  // namespace engram::tokenizer
