#include "tasks/ruler/common_words_generator.h"

#include <algorithm>
#include <stdexcept>

namespace engram::tasks::ruler {
namespace {

std::string numbered(const std::vector<std::string>& words) {
  std::string out;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) out += ' ';
    out += std::to_string(i + 1) + ". " + words[i];
  }
  return out;
}

}  // namespace

CommonWordsGenerator::CommonWordsGenerator(RulerTaskSpec spec, const RulerSources& sources, uint64_t seed,
                                           int64_t max_seq_length)
    : spec_(std::move(spec)), seed_(seed), max_seq_length_(max_seq_length) {
  if (spec_.family != Family::common_words_extraction) {
    throw std::invalid_argument("CommonWordsGenerator: " + spec_.name + " is not common words extraction");
  }
  pool_ = sources.nouns.words;
  pool_.insert(pool_.end(), sources.adjectives.words.begin(), sources.adjectives.words.end());
  pool_.insert(pool_.end(), sources.verbs.words.begin(), sources.verbs.words.end());
  std::sort(pool_.begin(), pool_.end());
  pool_.erase(std::unique(pool_.begin(), pool_.end()), pool_.end());
  RulerRandom(seed_).shuffle(pool_);
}

SizingRule CommonWordsGenerator::sizing() const {
  SizingRule rule;
  rule.incremental = 10;
  rule.estimate_size = 4096;
  rule.upper_factor = 2;
  rule.max_size = pool_.size();
  return rule;
}

CommonWordsGenerator::WordListText CommonWordsGenerator::word_list(size_t words, int common_repeats,
                                                                   int uncommon_repeats, RulerRandom& random) const {
  if (words > pool_.size()) {
    throw std::invalid_argument("common words extraction: " + std::to_string(words) + " distinct words requested, the "
                                "word pool has " + std::to_string(pool_.size()));
  }
  const size_t num_common = static_cast<size_t>(spec_.num_common);
  std::vector<std::string> chosen;
  for (size_t i : random.sample_indices(pool_.size(), words)) chosen.push_back(pool_[i]);
  WordListText out;
  out.common.assign(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(std::min(num_common, chosen.size())));
  // common * repeats + uncommon * repeats, as Python list repetition lays them out, then RULER's
  // fresh-seed shuffle.
  std::vector<std::string> list;
  for (int r = 0; r < common_repeats; ++r) list.insert(list.end(), out.common.begin(), out.common.end());
  for (int r = 0; r < uncommon_repeats; ++r) {
    list.insert(list.end(), chosen.begin() + static_cast<std::ptrdiff_t>(out.common.size()), chosen.end());
  }
  RulerRandom(seed_).shuffle(list);
  out.numbered = numbered(list);
  return out;
}

RulerSample CommonWordsGenerator::generate(size_t haystack_size, size_t, RulerRandom& random) const {
  const bool short_context = max_seq_length_ < 4096;
  const auto example = short_context ? word_list(20, 3, 1, random) : word_list(40, 10, 3, random);
  const auto main = short_context ? word_list(haystack_size, 6, 1, random)
                                  : word_list(haystack_size, spec_.freq_common, spec_.freq_uncommon, random);
  const auto& family = spec_.family_template();
  RulerSample sample;
  sample.input = fill_template(family.template_text, {{"context", example.numbered}, {"query", ""}}) +
                 family.answer_prefix + " " + numbered(example.common) + "\n" +
                 fill_template(family.template_text, {{"context", main.numbered}, {"query", ""}});
  sample.answer_prefix = family.answer_prefix;
  sample.outputs = main.common;
  return sample;
}

}  // namespace engram::tasks::ruler
