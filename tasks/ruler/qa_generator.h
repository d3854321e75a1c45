#pragma once
// RULER's QA generator (scripts/data/synthetic/qa.py), draw for draw: sample i asks question i; its
// gold document(s), then (SQuAD) its article's other paragraphs, then random other documents fill
// the haystack; the documents are shuffled with a fresh random.Random(seed) (so with the same
// permutation for every sample of a size) and rendered "Document {i}:\n{text}".

#include <cstdint>

#include "tasks/ruler/length_fit.h"
#include "tasks/ruler/qa_data.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

class QaGenerator : public SampleGenerator {
 public:
  // `data` must outlive the generator.
  QaGenerator(RulerTaskSpec spec, const QaData& data);

  std::vector<FittedSample> generate_samples(size_t count, const TokenCounter& tokens, int64_t max_seq_length,
                                             RulerStreams& streams) const override;
  // Upstream's generate_input_output(index, num_docs).
  RulerSample generate(size_t num_docs, size_t question, RulerStreams& streams) const;

 private:
  RulerTaskSpec spec_;
  const QaData& data_;
};

}  // namespace engram::tasks::ruler
