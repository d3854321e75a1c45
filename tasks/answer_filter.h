#pragma once
// Answer extraction: lm-evaluation-harness's filter pipelines (regex, take_first, strip, and the
// BBH zero-shot CoT "flexible-extract" filters of lm_eval/tasks/bbh/cot_zeroshot/utils.py:
// MultiChoiceRegexFilter, MapRegexFilter, NumberParseRegexFilter, WordSortFilter) applied to a
// model's raw response before scoring. Some steps read the document's input (the options of a
// multiple-choice question, the word list to sort). A task may score several named pipelines side
// by side (lm-eval reports them as "metric,filter", e.g. "exact_match,get-answer").

#include <optional>
#include <string>
#include <utility>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/py_regex.h"

namespace engram::tasks {

class AnswerFilter {
 public:
  struct Result {
    std::string text;         // what the metric compares
    bool fell_back = false;   // a regex step found nothing and returned its fallback
  };

  // The raw response unchanged (lm-eval's implicit "none" pipeline).
  static AnswerFilter none();
  explicit AnswerFilter(std::string name);

  // lm-eval `regex`: re.findall; take the match at `group_select` (negative counts from the end);
  // with several groups, the first non-empty one; strip; `fallback` when nothing matched.
  AnswerFilter& regex(const std::string& pattern, int group_select = 0, std::string fallback = "[invalid]");
  // lm-eval `take_first`: the first of repeated responses. With one response per document this
  // changes nothing, but it is part of the described pipeline (and so of the fingerprint).
  AnswerFilter& take_first();
  // Python str.strip() of the response.
  AnswerFilter& strip();

  // lm-eval's MultiChoiceRegexFilter (bbh): `pattern` (e.g. "(\\([A-Z]\\))") at `group_select`;
  // failing that, the text of an option of the input's "(A) ..." list found in the response
  // (case and punctuation removed as asked; the options tried longest first), mapped to its "(X)";
  // failing that, ": X" with X an option letter, mapped to "(X)"; else the fallback.
  AnswerFilter& multi_choice_regex(const std::string& pattern, int group_select, bool ignore_case,
                                   bool ignore_punctuation, std::string fallback = "[invalid]");
  // lm-eval's MapRegexFilter: the patterns joined with '|' select a match at `group_select`; the
  // first pattern that matches inside it gives its value.
  AnswerFilter& map_regex(const std::vector<std::pair<std::string, std::string>>& pattern_to_value, int group_select,
                          bool ignore_case, bool ignore_punctuation, std::string fallback = "[invalid]");
  // lm-eval's NumberParseRegexFilter: `pattern` at `group_select`; failing that, the English number
  // words of the lower-cased response (english_number.h: lm-eval's regex and word2number), at
  // `group_select`, as decimal text; else the fallback (also where word2number would raise, which
  // aborts an lm-eval run).
  AnswerFilter& number_regex(const std::string& pattern, int group_select, std::string fallback = "[invalid]");
  // lm-eval's WordSortFilter: the words of the input's "List:" that occur in the response, each
  // once, ordered by its last occurrence, joined by single spaces.
  AnswerFilter& word_sort();

  const std::string& name() const { return name_; }
  // `document_input` is the question as given to the model (needed by multi_choice_regex and
  // word_sort only).
  Result apply(std::string_view response, std::string_view document_input = {}) const;
  // Canonical description for the protocol fingerprint.
  nlohmann::json describe() const;

 private:
  struct Step {
    enum class Kind { regex, take_first, strip, multi_choice_regex, map_regex, number_regex, word_sort } kind;
    std::optional<PyRegex> pattern;
    int group_select = 0;
    std::string fallback;
    bool ignore_case = false;
    bool ignore_punctuation = false;
    std::vector<std::pair<PyRegex, std::string>> pattern_to_value;  // map_regex
  };
  static Result apply_step(const Step& step, const Result& current, std::string_view document_input);
  static Result map_regex_step(const Step& step, const Result& current);
  std::string name_;
  std::vector<Step> steps_;
};

}  // namespace engram::tasks
