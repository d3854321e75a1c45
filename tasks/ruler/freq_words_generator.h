#pragma once
// RULER's frequent words extraction (scripts/data/synthetic/freq_words_extraction.py), draw for
// draw: a text of random 6-letter "coded" words whose counts follow a Zipf law (alpha 2): the word
// of rank r appears int(N r^-2 / zeta(2)) times; rank 1 is replaced by "..." (noise the prompt says
// to ignore) and the answer is ranks 2-4. The vocabulary, (length - tokens_to_generate) // 50
// words, is drawn afresh for every sample. N is found once by linear growth in steps of budget // 32
// (then one step back); a sample over budget steps down by the same increment.

#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

class FreqWordsGenerator : public SampleGenerator {
 public:
  explicit FreqWordsGenerator(RulerTaskSpec spec);

  std::vector<FittedSample> generate_samples(size_t count, const TokenCounter& tokens, int64_t max_seq_length,
                                             RulerStreams& streams) const override;

 private:
  std::vector<std::string> draw_vocabulary(size_t size, RulerStreams& streams) const;
  RulerSample text_of(const std::vector<std::string>& vocabulary, int64_t num_words, const RulerStreams& streams) const;
  // Upstream's generate_input_output: `num_words` <= 0 searches it by growth; returns the sample and its N.
  std::pair<RulerSample, int64_t> fit(int64_t budget, int64_t num_words, int64_t incremental, size_t vocabulary_size,
                                      const TokenCounter& tokens, RulerStreams& streams) const;

  RulerTaskSpec spec_;
};

}  // namespace engram::tasks::ruler
