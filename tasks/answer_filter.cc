#include "tasks/answer_filter.h"

#include <algorithm>
#include <map>
#include <set>

#include "tasks/english_number.h"
#include "tasks/text.h"

namespace engram::tasks {
namespace {

// lm-eval's ExtendedRegexFilter.find_match: re.findall, the match at group_select (Python
// indexing), the first non-empty group of a multi-group match, stripped, then mapped through
// `convert` when it is a key there. Empty means "no match" (Python's falsy [] or "").
std::string find_match(const PyRegex& regex, std::string_view text, int group_select,
                       const std::map<std::string, std::string>& convert = {}) {
  const auto matches = regex.find_all(text);
  const long n = static_cast<long>(matches.size());
  const long index = group_select < 0 ? n + group_select : group_select;
  if (index < 0 || index >= n) return "";
  const auto& m = matches[static_cast<size_t>(index)];
  std::string picked;
  if (m.groups.empty()) {
    picked = m.whole;
  } else if (m.groups.size() == 1) {
    picked = m.groups[0];
  } else {
    // Python takes [g for g in groups if g][0], an IndexError when all are empty: no match.
    for (const auto& g : m.groups) {
      if (!g.empty()) {
        picked = g;
        break;
      }
    }
  }
  picked = py_strip(picked);
  if (!picked.empty()) {
    if (auto it = convert.find(picked); it != convert.end()) picked = it->second;
  }
  return picked;
}

// lm-eval's filter_ignores: lower-case and/or remove every Unicode punctuation character (general
// category P*), as its str.translate table does.
std::string filter_ignores(std::string_view text, bool ignore_case, bool ignore_punctuation) {
  static const PyRegex punctuation("\\p{P}");
  std::string out(text);
  if (ignore_case) out = py_lower(out);
  if (ignore_punctuation) out = punctuation.sub(out);
  return out;
}

// Python re.escape, expressed as ICU literal quoting.
std::string regex_literal(const std::string& text) {
  std::string out = "\\Q";
  size_t start = 0;
  for (size_t at; (at = text.find("\\E", start)) != std::string::npos; start = at + 2) {
    out += text.substr(start, at - start) + "\\E\\\\E\\Q";
  }
  return out + text.substr(start) + "\\E";
}

std::string join(const std::vector<std::string>& items, const std::string& sep) {
  std::string out;
  for (size_t i = 0; i < items.size(); ++i) out += (i ? sep : "") + items[i];
  return out;
}

}  // namespace

AnswerFilter AnswerFilter::none() { return AnswerFilter("none"); }

AnswerFilter::AnswerFilter(std::string name) : name_(std::move(name)) {}

AnswerFilter& AnswerFilter::regex(const std::string& pattern, int group_select, std::string fallback) {
  Step step{Step::Kind::regex, PyRegex(pattern), group_select, std::move(fallback)};
  steps_.push_back(std::move(step));
  return *this;
}

AnswerFilter& AnswerFilter::take_first() {
  steps_.push_back(Step{Step::Kind::take_first, std::nullopt, 0, {}});
  return *this;
}

AnswerFilter& AnswerFilter::strip() {
  steps_.push_back(Step{Step::Kind::strip, std::nullopt, 0, {}});
  return *this;
}

AnswerFilter& AnswerFilter::multi_choice_regex(const std::string& pattern, int group_select, bool ignore_case,
                                               bool ignore_punctuation, std::string fallback) {
  Step step{Step::Kind::multi_choice_regex, PyRegex(pattern), group_select, std::move(fallback)};
  step.ignore_case = ignore_case;
  step.ignore_punctuation = ignore_punctuation;
  steps_.push_back(std::move(step));
  return *this;
}

AnswerFilter& AnswerFilter::map_regex(const std::vector<std::pair<std::string, std::string>>& pattern_to_value,
                                      int group_select, bool ignore_case, bool ignore_punctuation,
                                      std::string fallback) {
  std::vector<std::string> patterns;
  for (const auto& [p, _] : pattern_to_value) patterns.push_back(p);
  Step step{Step::Kind::map_regex, PyRegex(join(patterns, "|")), group_select, std::move(fallback)};
  step.ignore_case = ignore_case;
  step.ignore_punctuation = ignore_punctuation;
  for (const auto& [p, v] : pattern_to_value) step.pattern_to_value.emplace_back(PyRegex(p), v);
  steps_.push_back(std::move(step));
  return *this;
}

AnswerFilter& AnswerFilter::number_regex(const std::string& pattern, int group_select, std::string fallback) {
  steps_.push_back(Step{Step::Kind::number_regex, PyRegex(pattern), group_select, std::move(fallback)});
  return *this;
}

AnswerFilter& AnswerFilter::word_sort() {
  steps_.push_back(Step{Step::Kind::word_sort, std::nullopt, 0, {}});
  return *this;
}

namespace {

using Result = AnswerFilter::Result;

// Python's len(re.escape(option)): code points, plus one backslash per character that re.escape
// escapes (Python 3.7+: ()[]{}?*+-|^$\.&~# and whitespace \t\n\r\v\f).
size_t python_escaped_length(const std::string& text) {
  static const std::string special = "()[]{}?*+-|^$\\.&~# \t\n\r\v\f";
  size_t length = 0;
  for (unsigned char c : text) {
    if ((c & 0xC0) != 0x80) ++length;
    if (special.find(static_cast<char>(c)) != std::string::npos) ++length;
  }
  return length;
}

Result regex_step(const PyRegex& pattern, int group_select, const std::string& fallback, const Result& current) {
  const auto matches = pattern.find_all(current.text);
  const long n = static_cast<long>(matches.size());
  const long index = group_select < 0 ? n + group_select : group_select;
  // Python would raise IndexError for an out-of-range group_select; lm-eval only ever indexes a
  // non-empty list with 0 or -1, so "no such match" means "no match".
  if (index < 0 || index >= n) return {fallback, true};
  const auto& m = matches[static_cast<size_t>(index)];
  if (m.groups.empty()) return {py_strip(m.whole), current.fell_back};
  if (m.groups.size() == 1) return {py_strip(m.groups[0]), current.fell_back};
  for (const auto& g : m.groups) {
    if (!g.empty()) return {py_strip(g), current.fell_back};
  }
  return {fallback, true};
}

// MultiChoiceRegexFilter's second and third chances: the options' text, then ": X".
std::string match_option(std::string_view text, std::string_view input, int group_select, bool ignore_case,
                         bool ignore_punctuation) {
  // The options as the input lists them: "(A) text" up to the next newline or parenthesis.
  static const PyRegex option_pattern("\\([A-Z]\\)([^\\n^(]*)");
  std::vector<std::string> options, letters;
  std::map<std::string, std::string> option_to_letter, letter_to_target;
  char next = 'A';
  for (const auto& m : option_pattern.find_all(input)) {
    const std::string option = filter_ignores(py_strip(m.groups[0]), ignore_case, ignore_punctuation);
    options.push_back(option);
    const std::string target = std::string("(") + next + ")";
    option_to_letter[option] = target;
    letters.emplace_back(1, next);
    letter_to_target[std::string(1, next)] = target;
    ++next;
  }
  if (options.empty()) return "";
  // Longest first (by the escaped pattern's length, ties in input order), as lm-eval sorts them,
  // so that an option that is a prefix of another cannot shadow it.
  std::stable_sort(options.begin(), options.end(), [](const std::string& a, const std::string& b) {
    return python_escaped_length(a) > python_escaped_length(b);
  });
  std::vector<std::string> escaped;
  for (const auto& o : options) escaped.push_back(regex_literal(o));
  const PyRegex by_text(join(escaped, "|"));
  std::string match = find_match(by_text, filter_ignores(text, ignore_case, ignore_punctuation), group_select,
                                 option_to_letter);
  if (!match.empty()) return match;
  const PyRegex by_letter(":[\\s]*(" + join(letters, "|") + ")");
  return find_match(by_letter, text, group_select, letter_to_target);
}

std::string sort_words(const std::string& text, std::string_view input) {
  const std::string in(input);
  const size_t list = in.find("List:");
  if (list == std::string::npos) return "";
  size_t end = in.find("List:", list + 5);
  const auto words = py_split(py_strip(in.substr(list + 5, end == std::string::npos ? end : end - list - 5)));
  if (words.empty()) return "";
  std::vector<std::string> alternatives;
  for (const auto& w : words) alternatives.push_back("\\b" + w + "\\b");
  const PyRegex any_word(join(alternatives, "|"));
  // Keep each word once, at its last occurrence, in order of those last occurrences.
  std::vector<std::string> found;
  for (const auto& m : any_word.find_all(text)) found.push_back(m.whole);
  std::vector<std::string> ordered;
  std::set<std::string> seen;
  for (auto it = found.rbegin(); it != found.rend(); ++it) {
    if (seen.insert(*it).second) ordered.push_back(*it);
  }
  std::reverse(ordered.begin(), ordered.end());
  return join(ordered, " ");
}

}  // namespace

AnswerFilter::Result AnswerFilter::apply_step(const Step& step, const Result& current, std::string_view input) {
  const std::string& text = current.text;
  switch (step.kind) {
    case Step::Kind::regex:
      return regex_step(*step.pattern, step.group_select, step.fallback, current);
    case Step::Kind::take_first:
      return current;
    case Step::Kind::strip:
      return {py_strip(text), current.fell_back};
    case Step::Kind::multi_choice_regex: {
      std::string match = find_match(*step.pattern, text, step.group_select);
      if (match.empty()) match = match_option(text, input, step.group_select, step.ignore_case, step.ignore_punctuation);
      if (match.empty()) return {step.fallback, true};
      return {match, current.fell_back};
    }
    case Step::Kind::map_regex:
      return map_regex_step(step, current);
    case Step::Kind::number_regex: {
      std::string match = find_match(*step.pattern, text, step.group_select);
      if (match.empty()) {
        // No numeral: lm-eval reads the number words of the lower-cased response (word2number).
        static const PyRegex english_number(english_number_pattern());
        const std::string words = find_match(english_number, py_lower(text), step.group_select);
        if (!words.empty()) match = word_to_num(words).value_or("");
      }
      if (match.empty()) return {step.fallback, true};
      return {match, current.fell_back};
    }
    case Step::Kind::word_sort:
      return {sort_words(text, input), current.fell_back};
  }
  return current;
}

AnswerFilter::Result AnswerFilter::map_regex_step(const Step& step, const Result& current) {
  const std::string whole = find_match(
      *step.pattern, filter_ignores(current.text, step.ignore_case, step.ignore_punctuation), step.group_select);
  if (!whole.empty()) {
    const std::string normalised = filter_ignores(whole, step.ignore_case, step.ignore_punctuation);
    for (const auto& [pattern, value] : step.pattern_to_value) {
      if (!find_match(pattern, normalised, step.group_select).empty()) return {value, current.fell_back};
    }
  }
  return {step.fallback, true};
}

AnswerFilter::Result AnswerFilter::apply(std::string_view response, std::string_view document_input) const {
  Result result{std::string(response), false};
  for (const auto& step : steps_) result = apply_step(step, result, document_input);
  return result;
}

nlohmann::json AnswerFilter::describe() const {
  nlohmann::json steps = nlohmann::json::array();
  for (const auto& step : steps_) {
    switch (step.kind) {
      case Step::Kind::regex:
        steps.push_back({{"function", "regex"},
                         {"regex_pattern", step.pattern->pattern()},
                         {"group_select", step.group_select},
                         {"fallback", step.fallback},
                         {"semantics", "python re.findall; strip the selected match"}});
        break;
      case Step::Kind::take_first:
        steps.push_back({{"function", "take_first"}});
        break;
      case Step::Kind::strip:
        steps.push_back({{"function", "strip"}, {"semantics", "python str.strip()"}});
        break;
      case Step::Kind::multi_choice_regex:
        steps.push_back({{"function", "MultiChoiceRegexFilter"},
                         {"regex_pattern", step.pattern->pattern()},
                         {"group_select", step.group_select},
                         {"ignore_case", step.ignore_case},
                         {"ignore_punctuation", step.ignore_punctuation},
                         {"fallback", step.fallback},
                         {"semantics", "lm-eval bbh cot_zeroshot utils.py: pattern; else option text -> (X); "
                                       "else ':\\s*X' -> (X); options longest first"}});
        break;
      case Step::Kind::map_regex: {
        nlohmann::json map = nlohmann::json::array();
        for (const auto& [p, v] : step.pattern_to_value) map.push_back({p.pattern(), v});
        steps.push_back({{"function", "MapRegexFilter"},
                         {"regex_pattern_to_value", map},
                         {"group_select", step.group_select},
                         {"ignore_case", step.ignore_case},
                         {"ignore_punctuation", step.ignore_punctuation},
                         {"fallback", step.fallback}});
        break;
      }
      case Step::Kind::number_regex:
        steps.push_back({{"function", "NumberParseRegexFilter"},
                         {"regex_pattern", step.pattern->pattern()},
                         {"group_select", step.group_select},
                         {"fallback", step.fallback},
                         {"semantics", "numerals; else English number words of the lower-cased response "
                                       "(lm-eval's english_number_regex, word2number 1.1); word_to_num errors "
                                       "fall back"}});
        break;
      case Step::Kind::word_sort:
        steps.push_back({{"function", "WordSortFilter"},
                         {"semantics", "words of the input's List: found in the response, by last occurrence"}});
        break;
    }
  }
  return {{"name", name_}, {"steps", steps}};
}

}  // namespace engram::tasks
