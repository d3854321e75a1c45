#include "tasks/ruler/freq_words_generator.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace engram::tasks::ruler {
namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

FreqWordsGenerator::FreqWordsGenerator(RulerTaskSpec spec, uint64_t seed, int64_t max_seq_length)
    : spec_(std::move(spec)), seed_(seed) {
  if (spec_.family != Family::freq_words_extraction) {
    throw std::invalid_argument("FreqWordsGenerator: " + spec_.name + " is not frequent words extraction");
  }
  if (spec_.alpha != 2.0) throw std::invalid_argument("FreqWordsGenerator: only alpha = 2 (RULER's setting) is supported");
  prompt_budget_ = max_seq_length - spec_.family_template().tokens_to_generate;
  vocab_size_ = static_cast<size_t>(std::max<int64_t>(prompt_budget_ / 50, 4));
}

SizingRule FreqWordsGenerator::sizing() const {
  SizingRule rule;
  rule.linear_growth = true;
  rule.incremental = static_cast<size_t>(std::max<int64_t>(prompt_budget_ / 32, 1));
  rule.linear_start = static_cast<size_t>(std::max<int64_t>(prompt_budget_ / spec_.coded_word_length, 1));
  // RULER steps an overshooting sample down by a whole increment; an eighth of it keeps samples near
  // the target (the protocol's length rule records the finer step).
  rule.sample_step = std::max<size_t>(rule.incremental / 8, 1);
  return rule;
}

RulerSample FreqWordsGenerator::generate(size_t haystack_size, size_t, RulerRandom& random) const {
  std::set<std::string> unique;
  while (unique.size() < vocab_size_) {
    std::string word;
    for (int i = 0; i < spec_.coded_word_length; ++i) word += static_cast<char>('a' + random.below(26));
    unique.insert(word);
  }
  std::vector<std::string> vocab(unique.begin(), unique.end());  // sorted, as RULER sorts its set
  RulerRandom(seed_).shuffle(vocab);
  vocab[0] = "...";

  const double zeta2 = kPi * kPi / 6.0;
  std::vector<const std::string*> words;
  for (size_t rank = 1; rank <= vocab.size(); ++rank) {
    const double expected = static_cast<double>(haystack_size) * std::pow(static_cast<double>(rank), -spec_.alpha) / zeta2;
    const auto count = static_cast<size_t>(expected);
    for (size_t c = 0; c < count; ++c) words.push_back(&vocab[rank - 1]);
  }
  RulerRandom(seed_).shuffle(words);
  std::string context;
  for (size_t i = 0; i < words.size(); ++i) {
    if (i) context += ' ';
    context += *words[i];
  }
  const auto& family = spec_.family_template();
  RulerSample sample;
  sample.input = fill_template(family.template_text, {{"context", context}, {"query", ""}});
  sample.answer_prefix = family.answer_prefix;
  sample.outputs.assign(vocab.begin() + 1, vocab.begin() + 4);
  return sample;
}

}  // namespace engram::tasks::ruler
