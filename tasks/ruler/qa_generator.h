#pragma once
// RULER's QA generator (scripts/data/synthetic/qa.py): sample i asks question i; its gold
// document(s), then (SQuAD) its article's other paragraphs, then random other documents fill the
// haystack; the documents are shuffled with a fresh seed and rendered "Document {i}:\n{text}".

#include "tasks/ruler/qa_data.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {

class QaGenerator : public SampleGenerator {
 public:
  // `data` must outlive the generator.
  QaGenerator(RulerTaskSpec spec, const QaData& data, uint64_t seed);

  SizingRule sizing() const override;
  RulerSample generate(size_t haystack_size, size_t sample_index, RulerRandom& random) const override;

 private:
  RulerTaskSpec spec_;
  const QaData& data_;
  uint64_t seed_;
};

}  // namespace engram::tasks::ruler
