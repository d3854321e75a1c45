#pragma once
// RULER's variable tracking (scripts/data/synthetic/variable_tracking.py): a chain
// "VAR A = 12345", "VAR B = VAR A ", ... (num_hops + 1 names of 5 upper-case letters) hidden at
// increasing positions among repeated noise lines; the question asks for every variable holding the
// value. One solved example comes first: built once per length at 500 tokens with 3-letter names and
// the value 12345, then given fresh names and a fresh value for each sample.

#include <string>
#include <vector>

#include "tasks/ruler/length_fit.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

class VariableTrackingGenerator : public SampleGenerator {
 public:
  // Fits the in-context example to 500 tokens with `count` (as RULER does, in the model's tokens).
  VariableTrackingGenerator(RulerTaskSpec spec, uint64_t seed, int64_t max_seq_length, const TokenCounter& count);

  SizingRule sizing() const override;
  RulerSample generate(size_t haystack_size, size_t sample_index, RulerRandom& random) const override;

  // The example's layout: -1 = a noise line, j = the chain's statement j.
  const std::vector<int>& example_layout() const { return example_layout_; }

 private:
  // Lines of a chain hidden in `noise_lines` noise lines, in order.
  std::vector<int> layout(size_t noise_lines, RulerRandom& random) const;
  std::vector<std::string> names(size_t letters, RulerRandom& random) const;
  std::string render(const std::vector<int>& layout, const std::vector<std::string>& names,
                     const std::string& value, bool with_prefix) const;

  RulerTaskSpec spec_;
  int64_t max_seq_length_;
  std::vector<int> example_layout_;
};

}  // namespace engram::tasks::ruler
