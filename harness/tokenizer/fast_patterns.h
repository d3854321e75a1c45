#pragma once
// Hand-written matchers for the split regexes of the tokenizers we run most (GPT-2's and the three
// DeepSeek-V3 ones). The ICU regex engine spends most of the encode time in these patterns; each
// matcher here is the regex's backtracking semantics written out alternative by alternative, on
// any Unicode input (not only ASCII), with the same character classes (char_class.h).
//
// A matcher answers "does the pattern match at byte offset pos, and where does the match end?".
// Scanning positions left to right and taking the first match is exactly a regex `find`, because
// none of these patterns looks behind its start. The tests run every corpus string and many random
// strings through both this and ICU and require identical matches.

#include <cstddef>
#include <string_view>

namespace engram::tokenizer {

// End (byte offset) of the match that starts at pos, or 0 when the pattern does not match there.
// Matches are never empty, so 0 is unambiguous. text must be valid UTF-8, pos a code point start.
using MatchAtFn = size_t (*)(std::string_view text, size_t pos);

struct FastMatcher {
  MatchAtFn match_at;
  // Lead bytes at which a match can start (nullptr: any). find loops skip other code points
  // without calling match_at, which matters for patterns that rarely match (digits, CJK).
  const bool* may_start;
};

// The matcher for a pattern given exactly as tokenizer.json spells it, or nullptr.
const FastMatcher* fast_matcher_for(std::string_view pattern);

// The pattern strings with fast matchers (for tests).
extern const char* const kGpt2Pattern;
extern const char* const kDeepSeekDigitsPattern;
extern const char* const kDeepSeekCjkPattern;
extern const char* const kDeepSeekMainPattern;

}  // namespace engram::tokenizer
