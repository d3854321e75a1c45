#pragma once
// exact_match as lm-evaluation-harness computes it (Hugging Face `evaluate`'s exact_match):
// optionally delete `regexes_to_ignore` matches (in order, from both strings), lower-case, remove
// ASCII punctuation and/or digits, then compare with ==. With no options it is a raw comparison,
// so " (A)" != "(A)": the protocol decides, not us.

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "tasks/py_regex.h"

namespace engram::tasks {

struct ExactMatchOptions {
  std::vector<std::string> regexes_to_ignore;
  bool ignore_case = false;
  bool ignore_punctuation = false;
  bool ignore_numbers = false;
};

class ExactMatch {
 public:
  explicit ExactMatch(ExactMatchOptions options = {});
  // 1.0 when the normalised strings are equal, else 0.0.
  double score(std::string_view prediction, std::string_view reference) const;
  std::string normalise(std::string_view text) const;
  const ExactMatchOptions& options() const { return options_; }
  nlohmann::json describe() const;

 private:
  ExactMatchOptions options_;
  std::vector<PyRegex> ignore_;
};

}  // namespace engram::tasks
