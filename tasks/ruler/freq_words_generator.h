#pragma once
// RULER's frequent words extraction (scripts/data/synthetic/freq_words_extraction.py): a text of
// random 6-letter "coded" words whose counts follow a Zipf law (alpha 2): the word of rank r appears
// floor(N r^-2 / zeta(2)) times; rank 1 is replaced by "..." (noise the prompt says to ignore) and
// the answer is ranks 2-4. The vocabulary has (length - tokens_to_generate) / 50 words. The word
// count N is found by linear growth in steps of budget/32, not by binary search.

#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

class FreqWordsGenerator : public SampleGenerator {
 public:
  FreqWordsGenerator(RulerTaskSpec spec, uint64_t seed, int64_t max_seq_length);

  SizingRule sizing() const override;
  RulerSample generate(size_t haystack_size, size_t sample_index, RulerRandom& random) const override;
  size_t vocab_size() const { return vocab_size_; }

 private:
  RulerTaskSpec spec_;
  uint64_t seed_;
  int64_t prompt_budget_;
  size_t vocab_size_;
};

}  // namespace engram::tasks::ruler
