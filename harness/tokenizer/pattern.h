#pragma once
// The {"String": "..."} / {"Regex": "..."} patterns of Split, Replace and the Replace decoder.
// `tokenizers` turns a String pattern into an escaped regex; a literal search gives the same
// matches (an empty literal matches at every code point boundary, as the empty regex does).

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "harness/tokenizer/json_fields.h"
#include "harness/tokenizer/regex.h"

namespace engram::tokenizer {

class Pattern {
 public:
  static Pattern from_json(const json& j, const std::string& where);
  static Pattern literal(std::string text);

  // Appends the successive matches in text (valid UTF-8), as `find_iter` reports them.
  void find_all(std::string_view text, std::vector<Match>& out, bool use_fast = true) const;

  // The regex, or nullptr for a literal pattern.
  const Regex* regex() const { return regex_.get(); }

 private:
  std::string literal_;
  std::shared_ptr<const Regex> regex_;
};

}  // namespace engram::tokenizer
