#pragma once
// Unicode character classes as the Hugging Face pipeline sees them, looked up through ICU so they
// agree with the ICU regex engine used for arbitrary patterns.
//
// Whitespace is the Unicode White_Space property: that is what Oniguruma's `\s` (the regex engine
// behind `tokenizers`' Split/ByteLevel), Rust's `char::is_whitespace` and Rust regex's `\s` all use.
// It includes U+000B and U+0085, which ICU's own `\s` leaves out.

#include <cstdint>

namespace engram::tokenizer::chars {

enum Class : uint32_t {
  kLetter = 1u << 0,       // \p{L}
  kMark = 1u << 1,         // \p{M}
  kNumber = 1u << 2,       // \p{N}
  kPunct = 1u << 3,        // \p{P}
  kSymbol = 1u << 4,       // \p{S}
  kSpace = 1u << 5,        // White_Space
  kCrLf = 1u << 6,         // \r or \n
  kAsciiPunct = 1u << 7,   // the 32 ASCII punctuation/symbol characters !"#$%&'()*+,-./:;<=>?@[\]^_`{|}~
  kAsciiAlpha = 1u << 8,   // [A-Za-z]
  kDeepSeekCjk = 1u << 9,  // [一-龥぀-ゟ゠-ヿ]: U+4E00..U+9FA5, U+3040..U+30FF
  kWord = 1u << 10,        // Rust regex \w: Alphabetic, M, Nd, Pc, Join_Control
};

// Any code point, through ICU.
uint32_t classify_slow(char32_t c);

namespace detail {
// ASCII classes without ICU, so the hot path is a table load (checked against ICU in the tests).
constexpr uint32_t ascii_class(char32_t c) {
  const bool upper = c >= 'A' && c <= 'Z', lower = c >= 'a' && c <= 'z', digit = c >= '0' && c <= '9';
  const bool punct_or_symbol = (c >= '!' && c <= '/') || (c >= ':' && c <= '@') || (c >= '[' && c <= '`') ||
                               (c >= '{' && c <= '~');
  const bool symbol = c == '$' || c == '+' || c == '<' || c == '=' || c == '>' || c == '^' || c == '`' ||
                      c == '|' || c == '~';
  uint32_t out = 0;
  if (upper || lower) out |= kLetter | kAsciiAlpha | kWord;
  if (digit) out |= kNumber | kWord;
  if (punct_or_symbol) out |= kAsciiPunct | (symbol ? kSymbol : kPunct);
  if (c == '_') out |= kWord;  // connector punctuation
  if ((c >= '\t' && c <= '\r') || c == ' ') out |= kSpace;
  if (c == '\r' || c == '\n') out |= kCrLf;
  return out;
}

struct AsciiTable {
  uint32_t v[128];
  constexpr AsciiTable() : v{} {
    for (char32_t c = 0; c < 128; ++c) v[c] = ascii_class(c);
  }
};
inline constexpr AsciiTable kAscii{};
}  // namespace detail

inline uint32_t classify(char32_t c) { return c < 128 ? detail::kAscii.v[c] : classify_slow(c); }

inline bool is_space(char32_t c) { return (classify(c) & kSpace) != 0; }
inline bool is_word(char32_t c) { return (classify(c) & kWord) != 0; }

}  // namespace engram::tokenizer::chars
