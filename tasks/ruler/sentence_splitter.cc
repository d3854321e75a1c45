#include "tasks/ruler/sentence_splitter.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <string>

namespace engram::tasks::ruler {
namespace {

bool is_space(char c) { return c == ' ' || c == '\n' || c == '\t' || c == '\r' || c == '\f' || c == '\v'; }
bool is_closing(char c) { return c == '"' || c == '\'' || c == ')' || c == ']'; }
bool is_opening(char c) { return c == '"' || c == '\'' || c == '(' || c == '['; }

// Lower-cased words (without the final period) after which a period is not a sentence end.
bool is_abbreviation(std::string_view word) {
  static constexpr std::array<std::string_view, 28> kAbbreviations = {
      "mr", "mrs", "ms", "dr", "prof", "st", "vs", "etc", "e.g", "i.e", "inc", "jr", "sr", "co",
      "corp", "ltd", "no", "u.s", "u.k", "a.m", "p.m", "jan", "feb", "aug", "sept", "oct", "nov", "dec"};
  std::string lower(word);
  std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
  if (std::find(kAbbreviations.begin(), kAbbreviations.end(), lower) != kAbbreviations.end()) return true;
  // A single letter ("J. Smith") is an initial.
  return lower.size() == 1 && std::isalpha(static_cast<unsigned char>(lower[0]));
}

// The word that ends just before `end` (at the terminator), without leading opening punctuation.
std::string_view word_before(std::string_view text, size_t end) {
  size_t start = end;
  while (start > 0 && !is_space(text[start - 1])) --start;
  std::string_view word = text.substr(start, end - start);
  while (!word.empty() && is_opening(word.front())) word.remove_prefix(1);
  return word;
}

bool starts_sentence(char c) {
  const auto u = static_cast<unsigned char>(c);
  return std::isupper(u) || std::isdigit(u) || is_opening(c) || u >= 0x80;
}

}  // namespace

std::vector<std::string_view> split_sentences(std::string_view text) {
  std::vector<std::string_view> out;
  size_t begin = 0;
  while (begin < text.size() && is_space(text[begin])) ++begin;
  size_t i = begin;
  while (i < text.size()) {
    const char c = text[i];
    if (c != '.' && c != '!' && c != '?') {
      ++i;
      continue;
    }
    size_t end = i + 1;
    while (end < text.size() && (text[end] == '.' || text[end] == '!' || text[end] == '?')) ++end;
    while (end < text.size() && is_closing(text[end])) ++end;
    if (end >= text.size() || !is_space(text[end])) {
      i = end;
      continue;
    }
    size_t next = end;
    while (next < text.size() && is_space(text[next])) ++next;
    const bool abbreviation = c == '.' && end == i + 1 && is_abbreviation(word_before(text, i));
    if (next < text.size() && starts_sentence(text[next]) && !abbreviation) {
      out.push_back(text.substr(begin, end - begin));
      begin = next;
    }
    i = next;
  }
  size_t last = text.size();
  while (last > begin && is_space(text[last - 1])) --last;
  if (last > begin) out.push_back(text.substr(begin, last - begin));
  return out;
}

}  // namespace engram::tasks::ruler
