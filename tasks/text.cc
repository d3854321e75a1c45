#include "tasks/text.h"

#include <unicode/locid.h>
#include <unicode/uchar.h>
#include <unicode/unistr.h>
#include <unicode/utf8.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "tasks/data_error.h"

namespace engram::tasks {
namespace {

// Decodes the code point at i (advancing i); invalid bytes decode as U+FFFD, one byte each.
char32_t next_code_point(std::string_view s, size_t& i) {
  UChar32 c;
  int32_t pos = static_cast<int32_t>(i);
  U8_NEXT(s.data(), pos, static_cast<int32_t>(s.size()), c);
  i = static_cast<size_t>(pos);
  return c < 0 ? 0xFFFD : static_cast<char32_t>(c);
}

// Start of the code point that ends at `end` (exclusive).
size_t prev_code_point_start(std::string_view s, size_t end) {
  int32_t pos = static_cast<int32_t>(end);
  UChar32 c;
  U8_PREV(s.data(), 0, pos, c);
  (void)c;
  return static_cast<size_t>(pos);
}

char32_t code_point_at(std::string_view s, size_t start) {
  size_t i = start;
  return next_code_point(s, i);
}

size_t first_non_space(std::string_view s) {
  size_t i = 0;
  while (i < s.size()) {
    size_t next = i;
    if (!py_isspace(next_code_point(s, next))) break;
    i = next;
  }
  return i;
}

size_t end_of_non_space(std::string_view s, size_t floor) {
  size_t end = s.size();
  while (end > floor) {
    const size_t start = prev_code_point_start(s, end);
    if (!py_isspace(code_point_at(s, start))) break;
    end = start;
  }
  return end;
}

}  // namespace

bool py_isspace(char32_t c) {
  if (c < 0x80) return c == ' ' || (c >= 0x09 && c <= 0x0D) || (c >= 0x1C && c <= 0x1F);
  const auto bidi = u_charDirection(static_cast<UChar32>(c));
  if (bidi == U_WHITE_SPACE_NEUTRAL || bidi == U_BLOCK_SEPARATOR || bidi == U_SEGMENT_SEPARATOR) return true;
  return u_charType(static_cast<UChar32>(c)) == U_SPACE_SEPARATOR;
}

std::string py_strip(std::string_view text) {
  const size_t begin = first_non_space(text);
  const size_t end = end_of_non_space(text, begin);
  return std::string(text.substr(begin, end - begin));
}

std::vector<std::string> py_split(std::string_view text) {
  std::vector<std::string> words;
  size_t start = std::string_view::npos;
  for (size_t i = 0; i < text.size();) {
    const size_t at = i;
    if (py_isspace(next_code_point(text, i))) {
      if (start != std::string_view::npos) words.emplace_back(text.substr(start, at - start));
      start = std::string_view::npos;
    } else if (start == std::string_view::npos) {
      start = at;
    }
  }
  if (start != std::string_view::npos) words.emplace_back(text.substr(start));
  return words;
}

std::string py_lstrip(std::string_view text) { return std::string(text.substr(first_non_space(text))); }

std::string py_rstrip(std::string_view text) { return std::string(text.substr(0, end_of_non_space(text, 0))); }

std::string py_lower(std::string_view text) {
  bool ascii = true;
  for (unsigned char c : text) ascii = ascii && c < 0x80;
  if (ascii) {
    std::string out(text);
    for (char& c : out) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return out;
  }
  icu::UnicodeString u = icu::UnicodeString::fromUTF8(icu::StringPiece(text.data(), static_cast<int32_t>(text.size())));
  u.toLower(icu::Locale::getRoot());
  std::string out;
  u.toUTF8String(out);
  return out;
}

std::string remove_ascii_punctuation(std::string_view text) {
  static constexpr std::string_view kPunctuation = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (kPunctuation.find(c) == std::string_view::npos) out.push_back(c);
  }
  return out;
}

std::string cut_at_stop_strings(std::string_view text, const std::vector<std::string>& stops, bool* hit) {
  size_t cut = text.size();
  bool found = false;
  for (const auto& stop : stops) {
    if (stop.empty()) continue;  // Python's split("") raises; an empty stop string means nothing here
    const size_t at = text.find(stop);
    if (at == std::string_view::npos) continue;
    found = true;
    cut = std::min(cut, at);
  }
  if (hit) *hit = found;
  return std::string(text.substr(0, cut));
}

std::string read_text_file(const std::filesystem::path& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) throw DataMissingError("missing file: " + path.string());
  std::ifstream in(path, std::ios::binary);
  if (!in) throw DataError(path.string(), 0, "cannot open for reading");
  std::ostringstream buffer;
  buffer << in.rdbuf();
  if (in.bad()) throw DataError(path.string(), 0, "read error");
  return buffer.str();
}

std::string preview(std::string_view text, size_t max_chars) {
  std::string out;
  for (char c : text) {
    // Stop only at a code-point boundary so that the preview stays valid UTF-8.
    if (out.size() >= max_chars && (static_cast<unsigned char>(c) & 0xC0) != 0x80) {
      out += "...";
      break;
    }
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out.push_back(c);
    }
  }
  return out;
}

std::string to_valid_utf8(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    const size_t start = i;
    UChar32 c;
    int32_t pos = static_cast<int32_t>(i);
    U8_NEXT(text.data(), pos, static_cast<int32_t>(text.size()), c);
    i = static_cast<size_t>(pos);
    if (c < 0) {
      out += "\xEF\xBF\xBD";  // U+FFFD
    } else {
      out.append(text.data() + start, i - start);
    }
  }
  return out;
}

}  // namespace engram::tasks
