#pragma once
// RULER's needle-in-a-haystack generator (scripts/data/synthetic/niah.py): k keys with v values
// each become needle sentences "One of the special magic {type} for {key} is: {value}.", hidden in
// an essay, a repeated noise line or a list of distractor needles; the question asks for the values
// of q of the keys.

#include <memory>
#include <string>
#include <vector>

#include "tasks/ruler/ruler_sources.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

// The depths (percent) RULER inserts essay needles at: np.round(np.linspace(0, 100, 40)).
const std::vector<int>& niah_depths();

class NiahGenerator : public SampleGenerator {
 public:
  // `sources` must outlive the generator. `seed` drives the fixed-permutation shuffles RULER makes
  // with a fresh random.Random(seed).
  NiahGenerator(RulerTaskSpec spec, const RulerSources& sources, uint64_t seed, int64_t max_seq_length);

  SizingRule sizing() const override;
  RulerSample generate(size_t haystack_size, size_t sample_index, RulerRandom& random) const override;

 private:
  std::string random_needle_part(NeedleType type, RulerRandom& random) const;
  std::string essay_context(size_t words, const std::vector<std::string>& needles, RulerRandom& random) const;

  RulerTaskSpec spec_;
  const RulerSources& sources_;
  uint64_t seed_;
  int64_t max_seq_length_;
  // Key words are adjective-noun pairs; RULER draws from the sorted set of all pairs, we draw a pair
  // of the deduplicated lists (the ~0.2% of pairs that collide through hyphens are slightly favoured).
  std::vector<std::string> adjectives_;
  std::vector<std::string> nouns_;
};

}  // namespace engram::tasks::ruler
