#include "tasks/ruler/freq_words_generator.h"

#include <algorithm>
#include <cmath>
#include <set>
#include <stdexcept>

namespace engram::tasks::ruler {
namespace {

constexpr double kPi = 3.14159265358979323846;

}  // namespace

FreqWordsGenerator::FreqWordsGenerator(RulerTaskSpec spec) : spec_(std::move(spec)) {
  if (spec_.family != Family::freq_words_extraction) {
    throw std::invalid_argument("FreqWordsGenerator: " + spec_.name + " is not frequent words extraction");
  }
  if (spec_.alpha != 2.0) throw std::invalid_argument("FreqWordsGenerator: only alpha = 2 (RULER's setting) is supported");
}

std::vector<std::string> FreqWordsGenerator::draw_vocabulary(size_t size, RulerStreams& streams) const {
  // random.choices(ascii_lowercase, k=6) until `size` distinct words; sorted set; fresh shuffle.
  std::set<std::string> unique;
  while (unique.size() < size) {
    std::string word;
    for (int i = 0; i < spec_.coded_word_length; ++i) word += static_cast<char>('a' + streams.random.choices_index(26));
    unique.insert(word);
  }
  std::vector<std::string> vocabulary(unique.begin(), unique.end());
  streams.fresh().shuffle(vocabulary);
  vocabulary[0] = "...";
  return vocabulary;
}

RulerSample FreqWordsGenerator::text_of(const std::vector<std::string>& vocabulary, int64_t num_words,
                                        const RulerStreams& streams) const {
  const double zeta2 = kPi * kPi / 6.0;  // scipy.special.zeta(2.0)
  std::vector<const std::string*> words;
  for (size_t rank = 1; rank <= vocabulary.size(); ++rank) {
    // numpy: num_words * (k ** -alpha) / zeta(alpha), then astype(int) (truncation toward zero).
    const double expected = static_cast<double>(num_words) * std::pow(static_cast<double>(rank), -spec_.alpha) / zeta2;
    const auto count = static_cast<int64_t>(expected);
    for (int64_t c = 0; c < count; ++c) words.push_back(&vocabulary[rank - 1]);
  }
  streams.fresh().shuffle(words);
  std::string context;
  for (size_t i = 0; i < words.size(); ++i) context += (i ? " " : "") + *words[i];
  const auto& family = spec_.family_template();
  const std::string filled = fill_template(family.template_text + family.answer_prefix, {{"context", context}, {"query", ""}});
  return split_answer_prefix(filled, family.answer_prefix, {vocabulary.begin() + 1, vocabulary.begin() + 4});
}

std::pair<RulerSample, int64_t> FreqWordsGenerator::fit(int64_t budget, int64_t num_words, int64_t incremental,
                                                        size_t vocabulary_size, const TokenCounter& tokens,
                                                        RulerStreams& streams) const {
  const auto vocabulary = draw_vocabulary(vocabulary_size, streams);
  auto length_of = [&](int64_t n) { return tokens(text_of(vocabulary, n, streams).prompt()); };
  if (num_words > 0) {
    while (length_of(num_words) > budget) {
      if (num_words <= incremental) throw std::runtime_error("RULER fwe: no word count fits " + std::to_string(budget) + " tokens");
      num_words -= incremental;
    }
  } else {
    num_words = budget / spec_.coded_word_length;
    while (length_of(num_words) < budget) num_words += incremental;
    num_words -= incremental;
  }
  return {text_of(vocabulary, num_words, streams), num_words};
}

std::vector<FittedSample> FreqWordsGenerator::generate_samples(size_t count, const TokenCounter& tokens,
                                                               int64_t max_seq_length, RulerStreams& streams) const {
  const int64_t tokens_to_generate = spec_.family_template().tokens_to_generate;
  const int64_t budget = max_seq_length - tokens_to_generate;
  const auto vocabulary_size = static_cast<size_t>(budget / 50);
  const int64_t incremental = budget / 32;
  if (vocabulary_size < 4 || incremental < 1) throw std::invalid_argument("RULER fwe: length too short");
  const int64_t words = fit(budget, -1, incremental, vocabulary_size, tokens, streams).second;
  std::vector<FittedSample> out;
  for (size_t i = 0; i < count; ++i) {
    auto [sample, n] = fit(budget, words, incremental, vocabulary_size, tokens, streams);
    FittedSample fitted;
    fitted.length = tokens(sample.prompt()) + tokens_to_generate;
    fitted.sample = std::move(sample);
    fitted.haystack_size = static_cast<size_t>(n);
    out.push_back(std::move(fitted));
  }
  return out;
}

}  // namespace engram::tasks::ruler
