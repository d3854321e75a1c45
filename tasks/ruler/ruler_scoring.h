#pragma once
// RULER's scoring (scripts/eval/evaluate.py, scripts/eval/synthetic/constants.py), per sample in
// [0, 1] (RULER reports the mean x 100):
//   prediction clean-up: strip, every control character U+0000-U+001F -> "\n", strip again;
//   string_match_all:  the share of references found in the prediction (case-insensitive substring);
//   string_match_part: 1 when any reference is found.
// Case folding is Python's str.lower().

#include <string>
#include <vector>

#include "tasks/ruler/ruler_task_specs.h"

namespace engram::tasks::ruler {

std::string postprocess_prediction(const std::string& prediction);
double string_match_all(const std::string& prediction, const std::vector<std::string>& references);
double string_match_part(const std::string& prediction, const std::vector<std::string>& references);
double string_match(MatchMetric metric, const std::string& prediction, const std::vector<std::string>& references);

}  // namespace engram::tasks::ruler
