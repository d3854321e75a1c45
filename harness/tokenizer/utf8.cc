#include "harness/tokenizer/utf8.h"

namespace engram::tokenizer::utf8 {

namespace {

inline bool is_cont(unsigned char b) { return (b & 0xC0) == 0x80; }

// How many bytes of the sequence starting at s[pos] are a valid prefix, and how long the full
// sequence would be. A result with prefix == need is a complete code point. The second-byte ranges
// are the ones Unicode's Table 3-7 allows after E0, ED, F0 and F4; any other continuation is 80..BF.
struct Prefix {
  size_t prefix;
  size_t need;
};

Prefix scan(std::string_view s, size_t pos) {
  const auto b0 = static_cast<unsigned char>(s[pos]);
  if (b0 < 0x80) return {1, 1};
  size_t need = 0;
  unsigned char lo = 0x80, hi = 0xBF;
  if (b0 >= 0xC2 && b0 <= 0xDF) {
    need = 2;
  } else if (b0 >= 0xE0 && b0 <= 0xEF) {
    need = 3;
    if (b0 == 0xE0) lo = 0xA0;
    if (b0 == 0xED) hi = 0x9F;
  } else if (b0 >= 0xF0 && b0 <= 0xF4) {
    need = 4;
    if (b0 == 0xF0) lo = 0x90;
    if (b0 == 0xF4) hi = 0x8F;
  } else {
    return {0, 1};  // 80..C1 and F5..FF never start a sequence
  }
  if (pos + 1 >= s.size()) return {1, need};
  const auto b1 = static_cast<unsigned char>(s[pos + 1]);
  if (b1 < lo || b1 > hi) return {1, need};
  size_t k = 2;
  while (k < need && pos + k < s.size() && is_cont(static_cast<unsigned char>(s[pos + k]))) ++k;
  return {k, need};
}

}  // namespace

size_t valid_sequence_length(std::string_view s, size_t pos) {
  const Prefix p = scan(s, pos);
  return p.prefix == p.need ? p.need : 0;
}

void append(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(static_cast<char>(c));
  } else if (c < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (c >> 6)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else if (c < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (c >> 12)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (c >> 18)));
    out.push_back(static_cast<char>(0x80 | ((c >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((c >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (c & 0x3F)));
  }
}

bool is_valid(std::string_view s) {
  size_t pos = 0;
  while (pos < s.size()) {
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const size_t n = valid_sequence_length(s, pos);
    if (n == 0) return false;
    pos += n;
  }
  return true;
}

void append_lossy(std::string& out, std::string_view s) {
  size_t pos = 0, run = 0;  // [run, pos) is valid and not yet copied
  while (pos < s.size()) {
    if (static_cast<unsigned char>(s[pos]) < 0x80) {
      ++pos;
      continue;
    }
    const Prefix p = scan(s, pos);
    if (p.prefix == p.need) {
      pos += p.need;
      continue;
    }
    out.append(s.data() + run, pos - run);
    out.append("\xEF\xBF\xBD");
    pos += p.prefix == 0 ? 1 : p.prefix;
    run = pos;
  }
  out.append(s.data() + run, s.size() - run);
}

std::string lossy(std::string_view bytes) {
  std::string out;
  out.reserve(bytes.size());
  append_lossy(out, bytes);
  return out;
}

}  // namespace engram::tokenizer::utf8
