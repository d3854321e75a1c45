#include "tasks/ruler/common_words_generator.h"

#include <algorithm>
#include <stdexcept>

#include "tasks/data_error.h"

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

CommonWordsGenerator::CommonWordsGenerator(RulerTaskSpec spec, const RulerSources& sources, uint64_t seed)
    : spec_(std::move(spec)), sources_(sources) {
  if (spec_.family != Family::common_words_extraction) {
    throw std::invalid_argument("CommonWordsGenerator: " + spec_.name + " is not common words extraction");
  }
  pool_ = sources.nouns.words;
  pool_.insert(pool_.end(), sources.adjectives.words.begin(), sources.adjectives.words.end());
  pool_.insert(pool_.end(), sources.verbs.words.begin(), sources.verbs.words.end());
  std::sort(pool_.begin(), pool_.end());
  pool_.erase(std::unique(pool_.begin(), pool_.end()), pool_.end());
  PythonRandom(seed).shuffle(pool_);
}

CommonWordsGenerator::WordListText CommonWordsGenerator::word_list(size_t words, int common_repeats,
                                                                   int uncommon_repeats, RulerStreams& streams) const {
  const auto& english = sources_.english_words;
  if (words > pool_.size() && english.words.empty()) {
    throw DataMissingError("RULER cwe: a list of " + std::to_string(words) + " distinct words exceeds the " +
                           std::to_string(pool_.size()) + " of the wonderwords pool; upstream then draws from " +
                           english.path.string() + ", which is missing. It is NVIDIA/RULER's scripts/data/synthetic/"
                           "json/english_words.json, a Git-LFS object (sha256 " + kEnglishWordsSha256 + ")");
  }
  const auto& population = words <= pool_.size() ? pool_ : english.words;
  const std::vector<std::string> chosen = streams.random.sample(population, words);
  const size_t common_count = std::min(chosen.size(), static_cast<size_t>(spec_.num_common));
  WordListText out;
  out.common.assign(chosen.begin(), chosen.begin() + static_cast<std::ptrdiff_t>(common_count));
  std::vector<std::string> list;
  for (int r = 0; r < common_repeats; ++r) list.insert(list.end(), out.common.begin(), out.common.end());
  for (int r = 0; r < uncommon_repeats; ++r) {
    list.insert(list.end(), chosen.begin() + static_cast<std::ptrdiff_t>(common_count), chosen.end());
  }
  streams.fresh().shuffle(list);
  out.numbered = numbered(list);
  return out;
}

RulerSample CommonWordsGenerator::generate(size_t words, int64_t max_seq_length, RulerStreams& streams) const {
  const bool short_length = max_seq_length < 4096;
  const auto& family = spec_.family_template();
  const std::string template_text = family.template_text + family.answer_prefix;
  const std::string num_cw = std::to_string(spec_.num_common);
  std::string examples;
  for (int shot = 0; shot < 1; ++shot) {  // num_fewshot = 1
    const auto example = short_length ? word_list(20, 3, 1, streams) : word_list(40, 10, 3, streams);
    if (shot) examples += "\n";
    examples += fill_template(template_text, {{"num_cw", num_cw}, {"context", example.numbered}, {"query", ""}}) + " " +
                numbered(example.common);
  }
  const auto list = short_length ? word_list(words, 6, 1, streams)
                                 : word_list(words, spec_.freq_common, spec_.freq_uncommon, streams);
  const std::string filled =
      examples + "\n" + fill_template(template_text, {{"num_cw", num_cw}, {"context", list.numbered}, {"query", ""}});
  return split_answer_prefix(filled, family.answer_prefix, list.common);
}

std::vector<FittedSample> CommonWordsGenerator::generate_samples(size_t count, const TokenCounter& tokens,
                                                                 int64_t max_seq_length, RulerStreams& streams) const {
  SearchPlan plan = search_plan(max_seq_length, spec_.family_template().tokens_to_generate, 10, 4096);
  plan.floor_times_two = true;
  const auto make = [&](size_t size) { return generate(size, max_seq_length, streams); };
  return search_and_fit(make, [&](size_t size, size_t) { return make(size); }, tokens, plan, count);
}

}  // namespace engram::tasks::ruler
