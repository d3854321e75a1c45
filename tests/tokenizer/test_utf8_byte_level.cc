// UTF-8 repair (Rust's from_utf8_lossy / Python's errors="replace") and GPT-2's byte table.

#include <gtest/gtest.h>

#include "harness/tokenizer/byte_level.h"
#include "harness/tokenizer/utf8.h"
#include "tokenizer_test_util.h"

namespace engram::testing {
namespace {

using namespace engram::tokenizer;

const std::string kFffd = "\xEF\xBF\xBD";

TEST(TokenizerUtf8, LossyReplacesMaximalInvalidSubsequences) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"abc", "abc"},
      {"\xC3\xA9", "\xC3\xA9"},
      {"\xC3", kFffd},
      {"\xC3" "A", kFffd + "A"},
      {"\xE2\x82", kFffd},                 // truncated 3-byte sequence: one replacement
      {"\xE2\x82" "A", kFffd + "A"},
      {"\xF0\x9F\x98", kFffd},             // truncated 4-byte sequence
      {"\x80", kFffd},                     // lone continuation byte
      {"\x80\x80", kFffd + kFffd},
      {"\xC0\x80", kFffd + kFffd},         // overlong lead: each byte on its own
      {"\xE0\x80\x80", kFffd + kFffd + kFffd},
      {"\xED\xA0\x80", kFffd + kFffd + kFffd},  // surrogate
      {"\xF4\x90\x80\x80", kFffd + kFffd + kFffd + kFffd},  // above U+10FFFF
      {"\xF5", kFffd},
      {"\xFF\xFE", kFffd + kFffd},
      {"\xC3\xC3\xA9", kFffd + "\xC3\xA9"},
      {"\xF0\x9F\x98\x80", "\xF0\x9F\x98\x80"},
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(utf8::lossy(in), want) << escaped(in);
    EXPECT_EQ(utf8::is_valid(in), in == want) << escaped(in);
  }
}

TEST(TokenizerByteLevel, TableIsGpt2s) {
  EXPECT_EQ(byte_level::byte_to_chars(' '), "\xC4\xA0");   // Ġ
  EXPECT_EQ(byte_level::byte_to_chars('\n'), "\xC4\x8A");  // Ċ
  EXPECT_EQ(byte_level::byte_to_chars('a'), "a");
  EXPECT_EQ(byte_level::byte_to_chars(0xAD), "\xC5\x83");  // Ń, the last remapped byte
  EXPECT_EQ(byte_level::byte_to_chars(0xFF), "\xC3\xBF");  // ÿ
  for (int b = 0; b < 256; ++b) {
    std::string out;
    ASSERT_TRUE(byte_level::unmap_token(byte_level::byte_to_chars(static_cast<unsigned char>(b)), out));
    EXPECT_EQ(out, std::string(1, static_cast<char>(b)));
  }
  std::string out = "keep";
  EXPECT_FALSE(byte_level::unmap_token("a\xE4\xBD\xA0", out));  // 你 is not a byte character
  EXPECT_EQ(out, "keep");
}

TEST(TokenizerEncode, InvalidUtf8InputIsRepairedFirst) {
  // Same ids as encoding the text Python gets from bytes.decode("utf-8", "replace").
  const auto& tok = gpt2_style();
  EXPECT_EQ(tok.encode("ab\xC3" "cd\xFF"), tok.encode("ab" + kFffd + "cd" + kFffd));
}

}  // namespace
}  // namespace engram::testing
