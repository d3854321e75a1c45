#include "harness/tokenizer/pattern.h"

#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer {

Pattern Pattern::from_json(const json& j, const std::string& where) {
  if (!j.is_object() || j.size() != 1) fail_field(where, "must be {\"String\": ...} or {\"Regex\": ...}");
  if (const json* s = optional_member(j, "String")) {
    if (!s->is_string()) fail_field(join_field(where, "String"), "must be a string");
    return literal(s->get<std::string>());
  }
  if (const json* r = optional_member(j, "Regex")) {
    if (!r->is_string()) fail_field(join_field(where, "Regex"), "must be a string");
    Pattern p;
    p.regex_ = std::make_shared<const Regex>(r->get<std::string>(), join_field(where, "Regex"));
    return p;
  }
  fail_field(where, "must be {\"String\": ...} or {\"Regex\": ...}");
}

Pattern Pattern::literal(std::string text) {
  Pattern p;
  p.literal_ = std::move(text);
  return p;
}

void Pattern::find_all(std::string_view text, std::vector<Match>& out, bool use_fast) const {
  if (regex_) {
    regex_->find_all(text, out, use_fast);
    return;
  }
  if (literal_.empty()) {
    for (size_t pos = 0;; pos += utf8::lead_length(static_cast<unsigned char>(text[pos]))) {
      out.emplace_back(pos, pos);
      if (pos >= text.size()) break;
    }
    return;
  }
  for (size_t pos = text.find(literal_); pos != std::string_view::npos; pos = text.find(literal_, pos)) {
    out.emplace_back(pos, pos + literal_.size());
    pos += literal_.size();
  }
}

}  // namespace engram::tokenizer
