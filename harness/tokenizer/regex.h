#pragma once
// Split/Replace patterns from tokenizer.json. `tokenizers` compiles them with Oniguruma; we compile
// them with ICU after translating the few escapes whose meaning differs (`\s`, `\S`, `\h`, `\H`),
// and use a hand-written matcher instead of ICU for the patterns fast_patterns.h knows.

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "harness/tokenizer/fast_patterns.h"

#include <unicode/uversion.h>

U_NAMESPACE_BEGIN
class RegexPattern;
class RegexMatcher;
U_NAMESPACE_END

namespace engram::tokenizer {

// Byte range [first, second) of one match.
using Match = std::pair<size_t, size_t>;

class Regex {
 public:
  // Throws ConfigError naming `where` when ICU rejects the pattern.
  Regex(const std::string& pattern, const std::string& where);
  ~Regex();
  Regex(const Regex&) = delete;
  Regex& operator=(const Regex&) = delete;

  // Appends the successive non-overlapping matches in text (valid UTF-8) to out, as a regex
  // `find_iter` reports them. use_fast=false forces ICU even when a fast matcher exists (tests).
  void find_all(std::string_view text, std::vector<Match>& out, bool use_fast = true) const;

  const std::string& pattern() const { return pattern_; }
  bool has_fast_path() const { return fast_ != nullptr; }

  // The ICU spelling of an Oniguruma pattern (exposed for tests).
  static std::string to_icu_syntax(std::string_view onig_pattern);

 private:
  std::unique_ptr<icu::RegexMatcher> acquire() const;
  void release(std::unique_ptr<icu::RegexMatcher> m) const;

  std::string pattern_;
  const FastMatcher* fast_ = nullptr;
  std::unique_ptr<icu::RegexPattern> compiled_;
  // RegexMatcher objects are not thread-safe and costly to create, so idle ones are pooled.
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<icu::RegexMatcher>> pool_;
};

}  // namespace engram::tokenizer
