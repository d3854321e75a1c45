#pragma once
// RULER's common words extraction (scripts/data/synthetic/common_words_extraction.py): a numbered
// list in which 10 words appear freq_cw times and the others freq_ucw times; the answer is the 10
// common words. One solved example (40 words, 10x/3x) comes first. Below 4096 tokens RULER uses
// 20 words at 3x/1x for the example and 6x/1x for the list. Words come from the sorted union of the
// wonderwords lists, shuffled with the seed.
//
// RULER falls back to english_words.json when a length needs more distinct words than the pool
// holds. That file is not available (ruler/MANIFEST.md), so the size search is capped at the pool
// and a length the pool cannot fill is reported as such (see RulerTask) rather than scored on a
// shorter or substituted list.

#include <string>
#include <vector>

#include "tasks/ruler/ruler_sources.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

class CommonWordsGenerator : public SampleGenerator {
 public:
  CommonWordsGenerator(RulerTaskSpec spec, const RulerSources& sources, uint64_t seed, int64_t max_seq_length);

  SizingRule sizing() const override;
  RulerSample generate(size_t haystack_size, size_t sample_index, RulerRandom& random) const override;
  size_t pool_size() const { return pool_.size(); }

 private:
  struct WordListText {
    std::string numbered;  // "1. w 2. w ..."
    std::vector<std::string> common;
  };
  WordListText word_list(size_t words, int common_repeats, int uncommon_repeats, RulerRandom& random) const;

  RulerTaskSpec spec_;
  uint64_t seed_;
  int64_t max_seq_length_;
  std::vector<std::string> pool_;
};

}  // namespace engram::tasks::ruler
