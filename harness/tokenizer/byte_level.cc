#include "harness/tokenizer/byte_level.h"

#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer::byte_level {

void map_bytes(std::string_view text, std::string& out) {
  for (const char ch : text) out.append(byte_to_chars(static_cast<unsigned char>(ch)));
}

bool unmap_token(std::string_view token, std::string& out) {
  const size_t mark = out.size();
  size_t pos = 0;
  while (pos < token.size()) {
    // Mapped characters are one or two UTF-8 bytes (lead byte below 0xC6); anything else is not.
    const auto b0 = static_cast<unsigned char>(token[pos]);
    char32_t c;
    if (b0 < 0x80) {
      c = b0;
      ++pos;
    } else if (b0 >= 0xC2 && b0 < 0xE0 && pos + 1 < token.size()) {
      c = ((b0 & 0x1Fu) << 6) | (static_cast<unsigned char>(token[pos + 1]) & 0x3Fu);
      pos += 2;
    } else {
      out.resize(mark);
      return false;
    }
    const int b = char_to_byte(c);
    if (b < 0) {
      out.resize(mark);
      return false;
    }
    out.push_back(static_cast<char>(b));
  }
  return true;
}

}  // namespace engram::tokenizer::byte_level
