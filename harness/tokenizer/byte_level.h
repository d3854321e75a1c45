#pragma once
// GPT-2's reversible byte <-> character table ("bytes_to_unicode"). Byte-level BPE vocabularies
// spell every byte as one printable character: bytes that are already printable Latin-1 stand for
// themselves, the other 68 (controls, space, 0x7F..0xA0, 0xAD) become U+0100.. in byte order, so
// " " is "Ġ" and "\n" is "Ċ".

#include <cstdint>
#include <string>
#include <string_view>

namespace engram::tokenizer::byte_level {

namespace detail {

// Both directions of the table, built at compile time so the hot loops are plain array loads.
struct Tables {
  char utf8[256][2];       // UTF-8 of the character for each byte
  uint8_t utf8_len[256];   // 1 or 2
  int16_t char_byte[0x144];  // every mapped character is below U+0100 + 68; -1 = not mapped

  constexpr Tables() : utf8{}, utf8_len{}, char_byte{} {
    for (auto& v : char_byte) v = -1;
    char32_t extra = 0x100;
    for (int b = 0; b < 256; ++b) {
      const bool printable = (b >= 0x21 && b <= 0x7E) || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE);
      const char32_t c = printable ? static_cast<char32_t>(b) : extra++;
      if (c < 0x80) {
        utf8[b][0] = static_cast<char>(c);
        utf8_len[b] = 1;
      } else {
        utf8[b][0] = static_cast<char>(0xC0 | (c >> 6));
        utf8[b][1] = static_cast<char>(0x80 | (c & 0x3F));
        utf8_len[b] = 2;
      }
      char_byte[c] = static_cast<int16_t>(b);
    }
  }
};
inline constexpr Tables kTables{};

}  // namespace detail

// UTF-8 spelling of the character that stands for byte b (1 or 2 bytes long).
inline std::string_view byte_to_chars(unsigned char b) { return {detail::kTables.utf8[b], detail::kTables.utf8_len[b]}; }

// The byte a character stands for, or -1 when the character is not in the table.
inline int char_to_byte(char32_t c) { return c < 0x144 ? detail::kTables.char_byte[c] : -1; }

// Appends the byte-level spelling of every byte of text to out.
void map_bytes(std::string_view text, std::string& out);

// Decodes one token spelled in byte-level characters. When every character is in the table the
// bytes are appended and true is returned; otherwise nothing is appended and false is returned
// (the Hugging Face decoder then keeps the token's own UTF-8 bytes).
bool unmap_token(std::string_view token, std::string& out);

}  // namespace engram::tokenizer::byte_level
