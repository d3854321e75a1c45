#include "tasks/ruler/qa_generator.h"

#include <algorithm>
#include <set>
#include <stdexcept>

namespace engram::tasks::ruler {

QaGenerator::QaGenerator(RulerTaskSpec spec, const QaData& data) : spec_(std::move(spec)), data_(data) {
  if (spec_.family != Family::qa) throw std::invalid_argument("QaGenerator: " + spec_.name + " is not a QA task");
}

RulerSample QaGenerator::generate(size_t num_docs, size_t question, RulerStreams& streams) const {
  if (question >= data_.questions.size()) {
    throw std::out_of_range(data_.path.string() + " has " + std::to_string(data_.questions.size()) +
                            " usable questions; question " + std::to_string(question) + " was asked for");
  }
  const QaQuestion& q = data_.questions[question];
  std::vector<size_t> chosen;
  if (num_docs < data_.docs.size()) {
    chosen = q.gold_docs;
    const auto wanted = static_cast<int64_t>(num_docs) - static_cast<int64_t>(chosen.size());
    if (wanted > static_cast<int64_t>(q.more_docs.size())) {
      chosen.insert(chosen.end(), q.more_docs.begin(), q.more_docs.end());
      const std::set<size_t> taken(chosen.begin(), chosen.end());
      std::vector<size_t> addition;  // upstream's addition_docs, in document order
      for (size_t d = 0; d < data_.docs.size(); ++d) {
        if (!taken.count(d)) addition.push_back(d);
      }
      const auto need = static_cast<size_t>(wanted - static_cast<int64_t>(q.more_docs.size()));
      for (size_t i : streams.random.sample_indices(addition.size(), need)) chosen.push_back(addition[i]);
    } else {
      if (wanted < 0) throw std::invalid_argument("RULER QA: fewer documents than the question's gold documents");
      for (size_t i : streams.random.sample_indices(q.more_docs.size(), static_cast<size_t>(wanted))) {
        chosen.push_back(q.more_docs[i]);
      }
    }
  } else {
    for (size_t i = 0; i < num_docs; ++i) chosen.push_back(i % data_.docs.size());  // the pool repeated
  }
  streams.fresh().shuffle(chosen);
  std::string context;
  for (size_t i = 0; i < chosen.size(); ++i) {
    if (i) context += "\n\n";
    context += "Document " + std::to_string(i + 1) + ":\n" + data_.docs[chosen[i]];
  }
  const auto& family = spec_.family_template();
  const std::string filled =
      fill_template(family.template_text + family.answer_prefix, {{"context", context}, {"query", q.query}});
  return split_answer_prefix(filled, family.answer_prefix, q.answers);
}

std::vector<FittedSample> QaGenerator::generate_samples(size_t count, const TokenCounter& tokens,
                                                        int64_t max_seq_length, RulerStreams& streams) const {
  const SearchPlan plan = search_plan(max_seq_length, spec_.family_template().tokens_to_generate, 10);
  return search_and_fit([&](size_t size) { return generate(size, 0, streams); },
                        [&](size_t size, size_t index) { return generate(size, index, streams); }, tokens, plan, count);
}

}  // namespace engram::tasks::ruler
