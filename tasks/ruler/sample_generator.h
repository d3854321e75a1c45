#pragma once
// What every RULER task generator offers the length fitting (length_fit.h): a sample built from a
// haystack of a given size (essay words, noise lines, distractor needles, list words or documents),
// and the sizing rule RULER uses for that task at that length.

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <utility>
#include <vector>

#include "tasks/ruler/ruler_random.h"

namespace engram::tasks::ruler {

// One generated sample in RULER's terms: the model reads input + answer_prefix and continues.
struct RulerSample {
  std::string input;
  std::string answer_prefix;
  std::vector<std::string> outputs;  // reference strings
  std::string prompt() const { return input + answer_prefix; }
};

struct SizingRule {
  size_t incremental = 1;  // RULER's step in haystack units
  // Binary search (everything but FWE): measure a sample of `estimate_size` units, search
  // [incremental, max(upper_factor * units that would fill the length, 2 * incremental)].
  size_t estimate_size = 1;
  int upper_factor = 3;
  size_t max_size = std::numeric_limits<size_t>::max();  // CWE: the word pool
  // FWE instead grows the size linearly from `linear_start` by `incremental` until the text reaches
  // the budget, then steps back once.
  bool linear_growth = false;
  size_t linear_start = 0;
  // Per sample, when a sample overshoots the searched size: step down by `sample_step` units.
  size_t sample_step = 1;
};

class SampleGenerator {
 public:
  virtual ~SampleGenerator() = default;
  virtual SizingRule sizing() const = 0;
  // A sample with `haystack_size` units of haystack. `sample_index` picks per-sample data (the QA
  // question); all randomness comes from `random`.
  virtual RulerSample generate(size_t haystack_size, size_t sample_index, RulerRandom& random) const = 0;
};

// Replaces each "{name}" of `fields` in `text` in one pass (the inserted values are not rescanned,
// so a haystack containing "{query}" stays as it is, unlike chained replaces). Unknown braces stay.
std::string fill_template(const std::string& text, const std::vector<std::pair<std::string, std::string>>& fields);

}  // namespace engram::tasks::ruler
