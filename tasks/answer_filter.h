#pragma once
// Answer extraction: lm-evaluation-harness's filter pipelines (regex, take_first, strip) applied to
// a model's raw response before scoring. A task may score several named pipelines side by side
// (lm-eval reports them as "metric,filter", e.g. "exact_match,get-answer").

#include <optional>
#include <string>
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

  const std::string& name() const { return name_; }
  Result apply(std::string_view response) const;
  // Canonical description for the protocol fingerprint.
  nlohmann::json describe() const;

 private:
  struct Step {
    enum class Kind { regex, take_first, strip } kind;
    std::optional<PyRegex> pattern;
    int group_select = 0;
    std::string fallback;
  };
  std::string name_;
  std::vector<Step> steps_;
};

}  // namespace engram::tasks
