#include "harness/tokenizer/fast_patterns.h"

#include <cstdint>

#include "harness/tokenizer/char_class.h"
#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer {

const char* const kGpt2Pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
const char* const kDeepSeekDigitsPattern = R"(\p{N}{1,3})";
const char* const kDeepSeekCjkPattern = "[\u4E00-\u9FA5\u3040-\u309F\u30A0-\u30FF]+";
const char* const kDeepSeekMainPattern =
    "[!\"#$%&'()*+,\\-./:;<=>?@\\[\\\\\\]^_`{|}~][A-Za-z]+|[^\r\n\\p{L}\\p{P}\\p{S}]?[\\p{L}\\p{M}]+|"
    " ?[\\p{P}\\p{S}]+[\r\n]*|\\s*[\r\n]+|\\s+(?!\\S)|\\s+";

namespace {

using namespace chars;

// Class of the code point at pos (0 past the end) and the offset just after it.
struct At {
  uint32_t cls;
  size_t next;
};

inline At at(std::string_view s, size_t pos) {
  if (pos >= s.size()) return {0, pos};
  const auto b = static_cast<unsigned char>(s[pos]);
  if (b < 0x80) return {detail::kAscii.v[b], pos + 1};
  size_t next = pos;
  const char32_t c = utf8::next(s, next);
  return {classify_slow(c), next};
}

// Greedy `[class]+` / `[class]*`: end of the run of code points in `mask` starting at pos.
inline size_t run(std::string_view s, size_t pos, uint32_t mask) {
  while (pos < s.size()) {
    const At a = at(s, pos);
    if (!(a.cls & mask)) break;
    pos = a.next;
  }
  return pos;
}

// `\s+(?!\S)|\s+` at a whitespace code point: the run, minus its last code point when the run is
// followed by a non-space and is longer than one (backtracking until the lookahead sees a space).
inline size_t space_run(std::string_view s, size_t pos) {
  size_t end = pos, last = pos;
  while (end < s.size()) {
    const At a = at(s, end);
    if (!(a.cls & kSpace)) break;
    last = end;
    end = a.next;
  }
  if (end == s.size() || last == pos) return end;
  return last;
}

// GPT-2: 's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
size_t match_gpt2(std::string_view s, size_t pos) {
  const char c0 = s[pos];
  if (c0 == '\'' && pos + 1 < s.size()) {
    const char c1 = s[pos + 1];
    if (c1 == 's' || c1 == 't' || c1 == 'm' || c1 == 'd') return pos + 2;
    if (pos + 2 < s.size()) {
      const char c2 = s[pos + 2];
      if ((c1 == 'r' && c2 == 'e') || (c1 == 'v' && c2 == 'e') || (c1 == 'l' && c2 == 'l')) return pos + 3;
    }
  }
  const At a0 = at(s, pos);
  // " ?X+" for X in L, N, [^\s\p{L}\p{N}]: the optional space only counts when an X follows it.
  size_t start = pos;
  uint32_t cls = a0.cls;
  if (c0 == ' ') {
    const At a1 = at(s, a0.next);
    if (a1.next > a0.next && !(a1.cls & kSpace)) {
      start = a0.next;
      cls = a1.cls;
    }
  }
  if (cls & kLetter) return run(s, start, kLetter);
  if (cls & kNumber) return run(s, start, kNumber);
  if (!(cls & kSpace)) {
    // [^\s\p{L}\p{N}]+ (only reached for a non-space code point that is neither L nor N).
    size_t end = start;
    while (end < s.size()) {
      const At a = at(s, end);
      if (a.cls & (kSpace | kLetter | kNumber)) break;
      end = a.next;
    }
    return end;
  }
  return space_run(s, pos);
}

// DeepSeek-V3 step 1: \p{N}{1,3}
size_t match_ds_digits(std::string_view s, size_t pos) {
  size_t end = pos;
  for (int i = 0; i < 3 && end < s.size(); ++i) {
    const At a = at(s, end);
    if (!(a.cls & kNumber)) break;
    end = a.next;
  }
  return end == pos ? 0 : end;
}

// DeepSeek-V3 step 2: [一-龥぀-ゟ゠-ヿ]+
size_t match_ds_cjk(std::string_view s, size_t pos) {
  const size_t end = run(s, pos, kDeepSeekCjk);
  return end == pos ? 0 : end;
}

// DeepSeek-V3 step 3, alternatives tried in order:
//   A1 [ASCII punct][A-Za-z]+   A2 [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+   A3 " ?[\p{P}\p{S}]+[\r\n]*"
//   A4 \s*[\r\n]+               A5 \s+(?!\S)                              A6 \s+
size_t match_ds_main(std::string_view s, size_t pos) {
  const At a0 = at(s, pos);
  const At a1 = at(s, a0.next);
  const bool has1 = a0.next < s.size();
  // A1
  if ((a0.cls & kAsciiPunct) && has1 && (a1.cls & kAsciiAlpha)) return run(s, a1.next, kAsciiAlpha);
  // A2: first with the optional code point consumed, then (backtracking) without it.
  if (!(a0.cls & (kCrLf | kLetter | kPunct | kSymbol)) && has1 && (a1.cls & (kLetter | kMark)))
    return run(s, a1.next, kLetter | kMark);
  if (a0.cls & (kLetter | kMark)) return run(s, a0.next, kLetter | kMark);
  // A3: a space only helps when punctuation follows (a space is never P or S itself).
  size_t p3 = 0;
  if (s[pos] == ' ' && has1 && (a1.cls & (kPunct | kSymbol))) {
    p3 = run(s, a1.next, kPunct | kSymbol);
  } else if (a0.cls & (kPunct | kSymbol)) {
    p3 = run(s, a0.next, kPunct | kSymbol);
  }
  if (p3) return run(s, p3, kCrLf);
  if (!(a0.cls & kSpace)) return 0;
  // A4: greedy \s* backs off to the last \r or \n of the whitespace run, then [\r\n]+ takes it.
  size_t end = pos, after_last_crlf = 0;
  while (end < s.size()) {
    const At a = at(s, end);
    if (!(a.cls & kSpace)) break;
    end = a.next;
    if (a.cls & kCrLf) after_last_crlf = end;
  }
  if (after_last_crlf) return after_last_crlf;
  // A5, A6
  return space_run(s, pos);
}

struct LeadBytes {
  bool v[256] = {};
};

// \p{N}: ASCII digits, or any non-ASCII code point (numbers outside ASCII start anywhere from C2).
const LeadBytes kDigitLeads = [] {
  LeadBytes t;
  for (int b = '0'; b <= '9'; ++b) t.v[b] = true;
  for (int b = 0xC2; b <= 0xF4; ++b) t.v[b] = true;
  return t;
}();

// U+3040..U+30FF and U+4E00..U+9FA5 are three-byte sequences led by E3..E9.
const LeadBytes kCjkLeads = [] {
  LeadBytes t;
  for (int b = 0xE3; b <= 0xE9; ++b) t.v[b] = true;
  return t;
}();

}  // namespace

const FastMatcher* fast_matcher_for(std::string_view pattern) {
  static const FastMatcher gpt2{match_gpt2, nullptr}, digits{match_ds_digits, kDigitLeads.v},
      cjk{match_ds_cjk, kCjkLeads.v}, main{match_ds_main, nullptr};
  if (pattern == kGpt2Pattern) return &gpt2;
  if (pattern == kDeepSeekDigitsPattern) return &digits;
  if (pattern == kDeepSeekCjkPattern) return &cjk;
  if (pattern == kDeepSeekMainPattern) return &main;
  return nullptr;
}

}  // namespace engram::tokenizer
