#include "tasks/exact_match.h"

#include "tasks/text.h"

namespace engram::tasks {

ExactMatch::ExactMatch(ExactMatchOptions options) : options_(std::move(options)) {
  for (const auto& pattern : options_.regexes_to_ignore) ignore_.emplace_back(pattern);
}

std::string ExactMatch::normalise(std::string_view text) const {
  std::string s(text);
  // Same order as `evaluate`: regexes first, then case, then punctuation, then digits.
  for (const auto& re : ignore_) s = re.sub(s);
  if (options_.ignore_case) s = py_lower(s);
  if (options_.ignore_punctuation) s = remove_ascii_punctuation(s);
  if (options_.ignore_numbers) {
    std::string out;
    for (char c : s) {
      if (c < '0' || c > '9') out.push_back(c);
    }
    s = std::move(out);
  }
  return s;
}

double ExactMatch::score(std::string_view prediction, std::string_view reference) const {
  return normalise(prediction) == normalise(reference) ? 1.0 : 0.0;
}

nlohmann::json ExactMatch::describe() const {
  return {{"metric", "exact_match"},
          {"regexes_to_ignore", options_.regexes_to_ignore},
          {"ignore_case", options_.ignore_case},
          {"ignore_punctuation", options_.ignore_punctuation},
          {"ignore_numbers", options_.ignore_numbers},
          {"semantics", "HF evaluate exact_match: re.sub each ignore pattern, lower(), strip string.punctuation, "
                        "strip digits, then =="}};
}

}  // namespace engram::tasks
