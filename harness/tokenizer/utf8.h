#pragma once
// UTF-8 helpers shared by the tokenizer pieces. Hugging Face `tokenizers` works on Rust `str`
// (always valid UTF-8) and turns decoded bytes back into text with `String::from_utf8_lossy`;
// these functions reproduce both sides on plain byte strings.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace engram::tokenizer::utf8 {

// Length of the well-formed UTF-8 sequence at s[pos], or 0 if the bytes there are not a complete,
// well-formed sequence (Unicode Table 3-7: no overlongs, no surrogates, nothing above U+10FFFF).
size_t valid_sequence_length(std::string_view s, size_t pos);

// Decodes the code point at s[pos] of a string known to be valid UTF-8 and advances pos past it.
inline char32_t next(std::string_view s, size_t& pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) {
    ++pos;
    return b0;
  }
  if (b0 < 0xE0) {
    const char32_t c = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(s[pos + 1]) & 0x3Fu);
    pos += 2;
    return c;
  }
  if (b0 < 0xF0) {
    const char32_t c = ((b0 & 0x0Fu) << 12) | ((static_cast<unsigned char>(s[pos + 1]) & 0x3Fu) << 6) |
                       (static_cast<unsigned char>(s[pos + 2]) & 0x3Fu);
    pos += 3;
    return c;
  }
  const char32_t c = ((b0 & 0x07u) << 18) | ((static_cast<unsigned char>(s[pos + 1]) & 0x3Fu) << 12) |
                     ((static_cast<unsigned char>(s[pos + 2]) & 0x3Fu) << 6) |
                     (static_cast<unsigned char>(s[pos + 3]) & 0x3Fu);
  pos += 4;
  return c;
}

// Byte length of the code point whose lead byte is b (valid UTF-8 assumed).
inline size_t lead_length(unsigned char b) { return b < 0x80 ? 1 : b < 0xE0 ? 2 : b < 0xF0 ? 3 : 4; }

// Code point that starts at s[pos] (valid UTF-8 assumed), without advancing.
inline char32_t peek(std::string_view s, size_t pos) { return next(s, pos); }

void append(std::string& out, char32_t c);

// True when s is entirely well-formed UTF-8.
bool is_valid(std::string_view s);

// Rust's `String::from_utf8_lossy`: every maximal ill-formed subsequence (the longest prefix of a
// valid sequence that cannot be completed, or a single invalid byte) becomes one U+FFFD. Python's
// `bytes.decode("utf-8", "replace")` follows the same rule, so both sides of the tests agree.
std::string lossy(std::string_view bytes);

// Appends lossy(bytes) to out, without a temporary when bytes is already valid.
void append_lossy(std::string& out, std::string_view bytes);

}  // namespace engram::tokenizer::utf8
