#pragma once
// RULER's needle-in-a-haystack generator (scripts/data/synthetic/niah.py), draw for draw: k keys
// with v values each become needle sentences "One of the special magic {type} for {key} is:
// {value}.", hidden in an essay, a repeated noise line or a list of distractor needles; the question
// asks for the values of q of the keys.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "tasks/ruler/length_fit.h"
#include "tasks/ruler/ruler_sources.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

// The depths (percent) RULER inserts essay needles at: np.round(np.linspace(0, 100, 40)).
const std::vector<int>& niah_depths();

// Upstream's key words: the sorted set of every "adjective-noun" of the wonderwords lists.
class AdjectiveNounWords {
 public:
  AdjectiveNounWords(const std::vector<std::string>& adjectives, const std::vector<std::string>& nouns);
  size_t size() const { return pairs_.size(); }
  std::string at(size_t index) const;

 private:
  std::vector<std::string> adjectives_, nouns_;
  std::vector<uint32_t> pairs_;  // adjective index << 16 | noun index, in sorted order of the words
};

class NiahGenerator : public SampleGenerator {
 public:
  // `sources` must outlive the generator.
  NiahGenerator(RulerTaskSpec spec, const RulerSources& sources);

  std::vector<FittedSample> generate_samples(size_t count, const TokenCounter& tokens, int64_t max_seq_length,
                                             RulerStreams& streams) const override;
  // Upstream's generate_input_output(num_haystack).
  RulerSample generate(size_t haystack_size, RulerStreams& streams) const;

 private:
  std::string random_needle_part(NeedleType type, RulerStreams& streams) const;
  std::string essay_context(size_t words, const std::vector<std::string>& needles, RulerStreams& streams) const;
  std::string line_context(size_t lines, const std::vector<std::string>& needles, RulerStreams& streams) const;

  RulerTaskSpec spec_;
  const RulerSources& sources_;
  std::shared_ptr<const AdjectiveNounWords> words_;
};

}  // namespace engram::tasks::ruler
