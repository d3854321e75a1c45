#include "tasks/answer_filter.h"

#include "tasks/text.h"

namespace engram::tasks {

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

AnswerFilter::Result AnswerFilter::apply(std::string_view response) const {
  Result result{std::string(response), false};
  for (const auto& step : steps_) {
    switch (step.kind) {
      case Step::Kind::regex: {
        const auto matches = step.pattern->find_all(result.text);
        const long n = static_cast<long>(matches.size());
        const long index = step.group_select < 0 ? n + step.group_select : step.group_select;
        if (index < 0 || index >= n) {
          // Python would raise IndexError for an out-of-range group_select; lm-eval only ever
          // indexes a non-empty list with 0 or -1, so "no such match" means "no match".
          result = {step.fallback, true};
          break;
        }
        const auto& m = matches[static_cast<size_t>(index)];
        std::optional<std::string> picked;
        if (m.groups.empty()) {
          picked = m.whole;
        } else if (m.groups.size() == 1) {
          picked = m.groups[0];
        } else {
          for (const auto& g : m.groups) {
            if (!g.empty()) {
              picked = g;
              break;
            }
          }
        }
        if (!picked) {
          result = {step.fallback, true};
        } else {
          result.text = py_strip(*picked);
        }
        break;
      }
      case Step::Kind::take_first:
        break;
      case Step::Kind::strip:
        result.text = py_strip(result.text);
        break;
    }
  }
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
    }
  }
  return {{"name", name_}, {"steps", steps}};
}

}  // namespace engram::tasks
