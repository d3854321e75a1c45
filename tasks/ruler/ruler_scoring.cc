#include "tasks/ruler/ruler_scoring.h"

#include "tasks/text.h"

namespace engram::tasks::ruler {
namespace {

bool contains_folded(const std::string& folded_prediction, const std::string& reference) {
  return folded_prediction.find(py_lower(reference)) != std::string::npos;
}

}  // namespace

std::string postprocess_prediction(const std::string& prediction) {
  std::string out = py_strip(prediction);
  for (char& c : out) {
    if (static_cast<unsigned char>(c) < 0x20) c = '\n';
  }
  return py_strip(out);
}

double string_match_all(const std::string& prediction, const std::vector<std::string>& references) {
  if (references.empty()) return 0.0;
  const std::string folded = py_lower(prediction);
  size_t found = 0;
  for (const auto& r : references) found += contains_folded(folded, r) ? 1 : 0;
  return static_cast<double>(found) / static_cast<double>(references.size());
}

double string_match_part(const std::string& prediction, const std::vector<std::string>& references) {
  const std::string folded = py_lower(prediction);
  for (const auto& r : references) {
    if (contains_folded(folded, r)) return 1.0;
  }
  return 0.0;
}

double string_match(MatchMetric metric, const std::string& prediction, const std::vector<std::string>& references) {
  return metric == MatchMetric::all ? string_match_all(prediction, references)
                                    : string_match_part(prediction, references);
}

}  // namespace engram::tasks::ruler
