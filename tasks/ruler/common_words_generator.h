#pragma once
// RULER's common words extraction (scripts/data/synthetic/common_words_extraction.py), draw for
// draw: a numbered list in which 10 words appear freq_cw times and the others freq_ucw times; the
// answer is the 10 common words. One solved example (40 words, 10x/3x) comes first. Below 4096
// tokens upstream uses 20 words at 3x/1x for the example and 6x/1x for the list. Words come from the
// sorted union of the wonderwords lists, shuffled with a fresh random.Random(seed); a list of more
// words than that pool is drawn from upstream's english_words.json instead (RulerSources), and
// without that file such a list fails with DataMissingError.

#include <cstdint>
#include <string>
#include <vector>

#include "tasks/ruler/length_fit.h"
#include "tasks/ruler/ruler_sources.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

class CommonWordsGenerator : public SampleGenerator {
 public:
  // `sources` must outlive the generator.
  CommonWordsGenerator(RulerTaskSpec spec, const RulerSources& sources, uint64_t seed);

  std::vector<FittedSample> generate_samples(size_t count, const TokenCounter& tokens, int64_t max_seq_length,
                                             RulerStreams& streams) const override;
  // Upstream's generate_input_output(num_words) at `max_seq_length`.
  RulerSample generate(size_t words, int64_t max_seq_length, RulerStreams& streams) const;
  size_t pool_size() const { return pool_.size(); }

 private:
  struct WordListText {
    std::string numbered;  // "1. w 2. w ..."
    std::vector<std::string> common;
  };
  WordListText word_list(size_t words, int common_repeats, int uncommon_repeats, RulerStreams& streams) const;

  RulerTaskSpec spec_;
  const RulerSources& sources_;
  std::vector<std::string> pool_;
};

}  // namespace engram::tasks::ruler
