#pragma once
// RULER's variable tracking (scripts/data/synthetic/variable_tracking.py), draw for draw: a chain
// "VAR A = 12345", "VAR B = VAR A ", ... (num_hops + 1 names of 5 upper-case letters) hidden at
// increasing positions among repeated noise lines; the question asks for every variable holding the
// value. Upstream first makes one solved example (its own size search at 500 tokens, 3-letter names,
// the value 12345), then puts it, with fresh names and value, before every sample.

#include <string>
#include <vector>

#include "tasks/ruler/length_fit.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

class VariableTrackingGenerator : public SampleGenerator {
 public:
  explicit VariableTrackingGenerator(RulerTaskSpec spec);

  std::vector<FittedSample> generate_samples(size_t count, const TokenCounter& tokens, int64_t max_seq_length,
                                             RulerStreams& streams) const override;
  // Upstream's generate_input_output(num_noises, ..., is_icl): the filled template and the chain's names.
  RulerSample generate(size_t noise_lines, bool example, RulerStreams& streams) const;

 private:
  struct Chains {
    std::vector<std::vector<std::string>> names;
    std::vector<std::vector<std::string>> statements;
  };
  Chains generate_chains(bool example, RulerStreams& streams) const;
  std::string random_name(size_t letters, RulerStreams& streams) const;
  std::string make_example(const TokenCounter& tokens, RulerStreams& streams) const;
  std::string randomize_example(std::string example, RulerStreams& streams) const;

  RulerTaskSpec spec_;
};

}  // namespace engram::tasks::ruler
