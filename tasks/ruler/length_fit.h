#pragma once
// Fitting RULER samples to a target length in the model's tokens, as RULER's generators do: a
// sample's length is tokens(input + answer_prefix) + tokens_to_generate and must not exceed the
// target. First the haystack size is searched once per task and length (binary search, or FWE's
// linear growth); then each sample is generated at that size and shrunk while it overshoots.
//
// One deliberate difference from RULER: when a sample overshoots (its random needles tokenise a few
// tokens longer than the search sample's), RULER drops a whole increment (500 essay words, 25 noise
// lines) and so leaves some samples far below the target. We step down by `SizingRule::sample_step`
// units (one unit for all but FWE) and keep the sample's random content, so every sample sits just
// under the target. The protocol records this.

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

using TokenCounter = std::function<int64_t(const std::string&)>;

struct FittedSample {
  RulerSample sample;
  size_t haystack_size = 0;
  int64_t length = 0;  // prompt tokens + tokens_to_generate
};

struct LengthTarget {
  int64_t max_seq_length = 0;      // the target length
  int64_t tokens_to_generate = 0;  // the generation budget; the prompt gets the rest
  int64_t prompt_budget() const { return max_seq_length - tokens_to_generate; }
};

// The haystack size for a task at a length. `random_seed` seeds a fresh stream for every probe, so
// the probes differ only in size.
size_t search_haystack_size(const SampleGenerator& generator, const TokenCounter& count, const LengthTarget& target,
                            uint64_t random_seed);

// Sample `sample_index` at `haystack_size` or below. The same `random_seed` is used at every size.
// Throws std::runtime_error when even the smallest haystack does not fit.
FittedSample fit_sample(const SampleGenerator& generator, const TokenCounter& count, const LengthTarget& target,
                        size_t haystack_size, size_t sample_index, uint64_t random_seed);

}  // namespace engram::tasks::ruler
