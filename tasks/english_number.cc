#include "tasks/english_number.h"

#include <algorithm>
#include <cstdint>
#include <map>
#include <vector>

#include "tasks/text.h"

namespace engram::tasks {
namespace {

const std::map<std::string, int64_t>& american_number_system() {
  static const std::map<std::string, int64_t> values = {
      {"zero", 0},          {"one", 1},           {"two", 2},         {"three", 3},       {"four", 4},
      {"five", 5},          {"six", 6},           {"seven", 7},       {"eight", 8},       {"nine", 9},
      {"ten", 10},          {"eleven", 11},       {"twelve", 12},     {"thirteen", 13},   {"fourteen", 14},
      {"fifteen", 15},      {"sixteen", 16},      {"seventeen", 17},  {"eighteen", 18},   {"nineteen", 19},
      {"twenty", 20},       {"thirty", 30},       {"forty", 40},      {"fifty", 50},      {"sixty", 60},
      {"seventy", 70},      {"eighty", 80},       {"ninety", 90},     {"hundred", 100},   {"thousand", 1000},
      {"million", 1000000}, {"billion", 1000000000}};
  return values;
}

// w2n.number_formation; std::nullopt where Python raises IndexError (an empty list).
std::optional<int64_t> number_formation(const std::vector<std::string>& words) {
  if (words.empty()) return std::nullopt;
  std::vector<int64_t> n;
  for (const auto& w : words) n.push_back(american_number_system().at(w));
  if (n.size() == 4) return n[0] * n[1] + n[2] + n[3];
  if (n.size() == 3) return n[0] * n[1] + n[2];
  if (n.size() == 2) return std::count(n.begin(), n.end(), 100) ? n[0] * n[1] : n[0] + n[1];
  return n[0];
}

std::vector<std::string> slice(const std::vector<std::string>& words, long begin, long end) {
  return {words.begin() + begin, words.begin() + std::max(begin, end)};
}

long index_of(const std::vector<std::string>& words, const std::string& word) {
  const auto it = std::find(words.begin(), words.end(), word);
  return it == words.end() ? -1 : static_cast<long>(it - words.begin());
}

// The sum word_to_num builds from the multiplier words' positions (its "hack for now" branches).
std::optional<int64_t> sum_of(const std::vector<std::string>& clean, long billion, long million, long thousand) {
  const long last = static_cast<long>(clean.size()) - 1;
  int64_t total = 0;
  const auto add = [&](std::optional<int64_t> part, int64_t scale) {
    if (part) total += *part * scale;
    return part.has_value();
  };
  if (billion > -1 && !add(number_formation(slice(clean, 0, billion)), 1000000000)) return std::nullopt;
  if (million > -1 && !add(number_formation(slice(clean, billion > -1 ? billion + 1 : 0, million)), 1000000)) {
    return std::nullopt;
  }
  if (thousand > -1) {
    const long from = million > -1 ? million + 1 : billion > -1 ? billion + 1 : 0;
    if (!add(number_formation(slice(clean, from, thousand)), 1000)) return std::nullopt;
  }
  std::optional<int64_t> hundreds = 0;
  if (thousand > -1 && thousand != last) {
    hundreds = number_formation(slice(clean, thousand + 1, last + 1));
  } else if (million > -1 && million != last) {
    hundreds = number_formation(slice(clean, million + 1, last + 1));
  } else if (billion > -1 && billion != last) {
    hundreds = number_formation(slice(clean, billion + 1, last + 1));
  } else if (thousand == -1 && million == -1 && billion == -1) {
    hundreds = number_formation(clean);
  }
  if (!hundreds) return std::nullopt;
  return total + *hundreds;
}

}  // namespace

const std::string& english_number_pattern() {
  // Copied from lm-eval with "(?|" written "(?:" (see the header).
  static const std::string pattern =
      "((?:(?:zero|one|two|three|four|five|(?:twen|thir|for|fif|six|seven|nine)(?:teen|ty)|eight(?:|een|y)|ten|eleven|"
      "twelve|fourteen|hundred|thousand|(?:m|b|tr)illion)(?:zero|one|two|three|four|five|(?:twen|thir|for|fif|six|"
      "seven|nine)(?:|teen|ty)|eight(?:een|y)|ten|eleven|twelve|fourteen|hundred|thousand|(?:m|b|tr)illion|[^\\S\\r\\n]"
      "|,|and|&)+)?(?:zero|one|two|three|four|five|(?:twen|thir|for|fif|six|seven|nine)(?:teen|ty)|eight(?:een|y)|ten|"
      "eleven|twelve|fourteen|hundred|thousand|(?:m|b|tr)illion))";
  return pattern;
}

std::optional<std::string> word_to_num(std::string_view phrase) {
  std::string sentence(phrase);
  std::replace(sentence.begin(), sentence.end(), '-', ' ');
  sentence = py_lower(sentence);
  if (!sentence.empty() && std::all_of(sentence.begin(), sentence.end(), [](char c) { return c >= '0' && c <= '9'; })) {
    const size_t first = sentence.find_first_not_of('0');  // int(): leading zeros go
    return first == std::string::npos ? "0" : sentence.substr(first);
  }
  std::vector<std::string> clean;
  for (const auto& word : py_split(sentence)) {
    if (american_number_system().count(word)) clean.push_back(word);
  }
  if (clean.empty()) return std::nullopt;
  for (const char* multiplier : {"thousand", "million", "billion"}) {
    if (std::count(clean.begin(), clean.end(), multiplier) > 1) return std::nullopt;
  }
  const long billion = index_of(clean, "billion"), million = index_of(clean, "million"),
             thousand = index_of(clean, "thousand");
  if ((thousand > -1 && (thousand < million || thousand < billion)) || (million > -1 && million < billion)) {
    return std::nullopt;
  }
  if (clean.size() == 1) return std::to_string(american_number_system().at(clean[0]));
  const auto total = sum_of(clean, billion, million, thousand);
  if (!total) return std::nullopt;
  return std::to_string(*total);
}

}  // namespace engram::tasks
