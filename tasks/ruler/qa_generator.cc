#include "tasks/ruler/qa_generator.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace engram::tasks::ruler {

QaGenerator::QaGenerator(RulerTaskSpec spec, const QaData& data, uint64_t seed)
    : spec_(std::move(spec)), data_(data), seed_(seed) {
  if (spec_.family != Family::qa) throw std::invalid_argument("QaGenerator: " + spec_.name + " is not a QA task");
}

SizingRule QaGenerator::sizing() const {
  SizingRule rule;
  rule.incremental = 10;
  rule.estimate_size = 10;
  rule.upper_factor = 3;
  return rule;
}

RulerSample QaGenerator::generate(size_t haystack_size, size_t sample_index, RulerRandom& random) const {
  if (sample_index >= data_.questions.size()) {
    throw std::out_of_range(data_.path.string() + " has " + std::to_string(data_.questions.size()) +
                            " usable questions; sample " + std::to_string(sample_index) + " was asked for");
  }
  const QaQuestion& q = data_.questions[sample_index];
  std::vector<size_t> chosen;
  if (haystack_size < data_.docs.size()) {
    chosen = q.gold_docs;
    const size_t wanted = haystack_size > chosen.size() ? haystack_size - chosen.size() : 0;
    if (wanted > q.more_docs.size()) {
      chosen.insert(chosen.end(), q.more_docs.begin(), q.more_docs.end());
      const std::set<size_t> taken(chosen.begin(), chosen.end());
      size_t need = wanted - q.more_docs.size();
      // random.sample over the documents not already taken.
      const size_t free_docs = data_.docs.size() - taken.size();
      need = std::min(need, free_docs);
      std::vector<size_t> free;
      free.reserve(free_docs);
      for (size_t d = 0; d < data_.docs.size(); ++d) {
        if (!taken.count(d)) free.push_back(d);
      }
      for (size_t i : random.sample_indices(free.size(), need)) chosen.push_back(free[i]);
    } else {
      for (size_t i : random.sample_indices(q.more_docs.size(), wanted)) chosen.push_back(q.more_docs[i]);
    }
  } else {
    // More documents than the pool: RULER repeats the pool.
    for (size_t i = 0; i < haystack_size; ++i) chosen.push_back(i % data_.docs.size());
  }
  RulerRandom(seed_).shuffle(chosen);
  std::string context;
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (i) context += "\n\n";
    context += "Document " + std::to_string(i + 1) + ":\n" + data_.docs[chosen[i]];
  }
  const auto& family = spec_.family_template();
  RulerSample sample;
  sample.input = fill_template(family.template_text, {{"context", context}, {"query", q.query}});
  sample.answer_prefix = family.answer_prefix;
  sample.outputs = q.answers;
  return sample;
}

}  // namespace engram::tasks::ruler
