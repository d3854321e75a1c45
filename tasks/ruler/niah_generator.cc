#include "tasks/ruler/niah_generator.h"

#include <algorithm>
#include <cmath>
#include <map>
#include <mutex>
#include <stdexcept>

#include "tasks/ruler/punkt_sentence_splitter.h"

namespace engram::tasks::ruler {
namespace {

const char* kNoiseLine = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";

std::vector<std::string> sorted_unique(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

std::string join(const std::vector<std::string>& parts, const std::string& separator) {
  std::string out;
  for (size_t i = 0; i < parts.size(); ++i) {
    if (i) out += separator;
    out += parts[i];
  }
  return out;
}

std::string join_queries(const std::vector<std::string>& queries) {
  if (queries.size() == 1) return queries[0];
  std::vector<std::string> head(queries.begin(), queries.end() - 1);
  return join(head, ", ") + ", and " + queries.back();
}

// RULER's rewrite of the template for one expected value: "Some ... are" -> "A ... is".
std::string singular(std::string text) {
  text = replace_all(std::move(text), "Some", "A");
  text = replace_all(std::move(text), "are all", "is");
  text = replace_all(std::move(text), "are", "is");
  return replace_all(std::move(text), "answers", "answer");
}

// The key words are large (6M); build them once per word lists.
std::shared_ptr<const AdjectiveNounWords> shared_words(const RulerSources& sources) {
  static std::mutex mutex;
  static std::map<std::string, std::shared_ptr<const AdjectiveNounWords>> cache;
  std::lock_guard<std::mutex> lock(mutex);
  auto& slot = cache[sources.adjectives.sha256 + sources.nouns.sha256];
  if (!slot) slot = std::make_shared<const AdjectiveNounWords>(sources.adjectives.words, sources.nouns.words);
  return slot;
}

// The joined essay words hold no whitespace but their separators (whitespace runs were collapsed
// into the split), so Python's text.strip() only has spaces to remove.
std::string_view strip_spaces(std::string_view text) {
  while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
  while (!text.empty() && text.back() == ' ') text.remove_suffix(1);
  return text;
}

}  // namespace

const std::vector<int>& niah_depths() {
  static const std::vector<int> depths = [] {
    std::vector<int> out;
    for (int i = 0; i < 40; ++i) out.push_back(static_cast<int>(std::lround(100.0 * i / 39.0)));
    return out;
  }();
  return depths;
}

AdjectiveNounWords::AdjectiveNounWords(const std::vector<std::string>& adjectives, const std::vector<std::string>& nouns)
    : adjectives_(sorted_unique(adjectives)), nouns_(sorted_unique(nouns)) {
  if (adjectives_.size() >= (1u << 16) || nouns_.size() >= (1u << 16)) {
    throw std::invalid_argument("RULER: word lists over 65535 words");
  }
  pairs_.reserve(adjectives_.size() * nouns_.size());
  for (uint32_t a = 0; a < adjectives_.size(); ++a) {
    for (uint32_t n = 0; n < nouns_.size(); ++n) pairs_.push_back(a << 16 | n);
  }
  // Compare "adjective-noun" strings without building them.
  auto less = [this](uint32_t x, uint32_t y) {
    const std::string_view xa = adjectives_[x >> 16], xn = nouns_[x & 0xffff];
    const std::string_view ya = adjectives_[y >> 16], yn = nouns_[y & 0xffff];
    const size_t xl = xa.size() + 1 + xn.size(), yl = ya.size() + 1 + yn.size();
    auto ch = [](std::string_view a, std::string_view n, size_t i) {
      return static_cast<unsigned char>(i < a.size() ? a[i] : i == a.size() ? '-' : n[i - a.size() - 1]);
    };
    for (size_t i = 0; i < std::min(xl, yl); ++i) {
      const unsigned char cx = ch(xa, xn, i), cy = ch(ya, yn, i);
      if (cx != cy) return cx < cy;
    }
    return xl < yl;
  };
  std::sort(pairs_.begin(), pairs_.end(), less);
  auto equal = [&](uint32_t x, uint32_t y) { return !less(x, y) && !less(y, x); };
  pairs_.erase(std::unique(pairs_.begin(), pairs_.end(), equal), pairs_.end());
}

std::string AdjectiveNounWords::at(size_t index) const {
  const uint32_t pair = pairs_.at(index);
  return adjectives_[pair >> 16] + "-" + nouns_[pair & 0xffff];
}

NiahGenerator::NiahGenerator(RulerTaskSpec spec, const RulerSources& sources)
    : spec_(std::move(spec)), sources_(sources), words_(shared_words(sources)) {
  if (spec_.family != Family::niah) throw std::invalid_argument("NiahGenerator: " + spec_.name + " is not a NIAH task");
  if (spec_.haystack == Haystack::essay && !sources_.punkt) {
    load_punkt_parameters(sources_.punkt_dir);  // throws DataMissingError saying how to get it
  }
}

std::string NiahGenerator::random_needle_part(NeedleType type, RulerStreams& streams) const {
  switch (type) {
    case NeedleType::numbers: return std::to_string(streams.random.randint(1000000, 9999999));
    case NeedleType::uuids: return python_uuid4(streams.random);
    case NeedleType::words: return words_->at(static_cast<size_t>(streams.random.randbelow(words_->size())));
  }
  throw std::logic_error("unknown needle type");
}

std::string NiahGenerator::essay_context(size_t words, const std::vector<std::string>& needles,
                                         RulerStreams& streams) const {
  // The first `words` essay words (the essay repeated when too short), sentence-split, with the
  // needles at sorted depths' sentence boundaries; chunks and needles joined by single spaces.
  const auto& essay = sources_.essay_words;
  std::string text;
  for (size_t i = 0; i < words; ++i) {
    if (i) text += ' ';
    text += essay[i % essay.size()];
  }
  const auto sentences = punkt_sentences(strip_spaces(text), *sources_.punkt);
  const auto& depths = niah_depths();
  std::vector<size_t> positions;
  for (size_t d : streams.random.sample_indices(depths.size(), needles.size())) {
    positions.push_back(static_cast<size_t>(static_cast<double>(sentences.size()) * (depths[d] / 100.0)));
  }
  std::sort(positions.begin(), positions.end());
  positions.insert(positions.begin(), 0);
  positions.push_back(sentences.size());
  std::vector<std::string> parts;
  for (size_t i = 1; i < positions.size(); ++i) {
    std::vector<std::string> chunk(sentences.begin() + static_cast<std::ptrdiff_t>(positions[i - 1]),
                                   sentences.begin() + static_cast<std::ptrdiff_t>(std::max(positions[i - 1], positions[i])));
    parts.push_back(join(chunk, " "));
    if (i - 1 < needles.size()) parts.push_back(needles[i - 1]);
  }
  return join(parts, " ");
}

std::string NiahGenerator::line_context(size_t lines, const std::vector<std::string>& needles,
                                        RulerStreams& streams) const {
  std::vector<std::string> sentences;
  sentences.reserve(lines + needles.size());
  if (spec_.haystack == Haystack::noise) {
    sentences.assign(lines, kNoiseLine);
  } else {
    // Distractor needles, key then value for each line, as upstream draws them.
    const std::string type = to_string(spec_.value_type);
    for (size_t i = 0; i < lines; ++i) {
      std::string key = random_needle_part(spec_.key_type, streams);
      std::string value = random_needle_part(spec_.value_type, streams);
      sentences.push_back("One of the special magic " + type + " for " + key + " is: " + value + ".");
    }
  }
  auto at = streams.random.sample_indices(lines, needles.size());
  std::sort(at.begin(), at.end(), std::greater<size_t>());
  for (size_t i = 0; i < at.size(); ++i) {
    sentences.insert(sentences.begin() + static_cast<std::ptrdiff_t>(at[i]), needles[i]);
  }
  return join(sentences, "\n");
}

RulerSample NiahGenerator::generate(size_t haystack_size, RulerStreams& streams) const {
  const std::string type_plural = to_string(spec_.value_type);
  std::vector<std::string> keys, needles;
  std::vector<std::vector<std::string>> values;
  for (int k = 0; k < spec_.num_keys; ++k) {
    keys.push_back(random_needle_part(spec_.key_type, streams));
    values.emplace_back();
    for (int v = 0; v < spec_.num_values; ++v) {
      values.back().push_back(random_needle_part(spec_.value_type, streams));
      needles.push_back("One of the special magic " + type_plural + " for " + keys.back() + " is: " +
                        values.back().back() + ".");
    }
  }
  streams.fresh().shuffle(needles);  // upstream's random.Random(seed): the same permutation every time
  const std::string context = spec_.haystack == Haystack::essay ? essay_context(haystack_size, needles, streams)
                                                                : line_context(haystack_size, needles, streams);

  std::vector<std::string> queries, answers;
  for (size_t q : streams.random.sample_indices(static_cast<size_t>(spec_.num_keys), static_cast<size_t>(spec_.num_queries))) {
    queries.push_back(keys[q]);
    answers.insert(answers.end(), values[q].begin(), values[q].end());
  }
  const auto& family = spec_.family_template();
  std::string template_text = family.template_text + family.answer_prefix;
  std::string type_shown = type_plural;
  if (spec_.num_queries * spec_.num_values == 1) {
    template_text = singular(template_text);
    type_shown.pop_back();
  }
  const std::string filled =
      fill_template(template_text, {{"type_needle_v", type_shown}, {"context", context}, {"query", join_queries(queries)}});
  return split_answer_prefix(filled, family.answer_prefix, std::move(answers));
}

std::vector<FittedSample> NiahGenerator::generate_samples(size_t count, const TokenCounter& tokens,
                                                          int64_t max_seq_length, RulerStreams& streams) const {
  const size_t incremental = spec_.haystack == Haystack::essay ? 500 : (max_seq_length < 4096 ? 5 : 25);
  const SearchPlan plan = search_plan(max_seq_length, spec_.family_template().tokens_to_generate, incremental);
  const auto make = [&](size_t size) { return generate(size, streams); };
  return search_and_fit(make, [&](size_t size, size_t) { return generate(size, streams); }, tokens, plan, count);
}

}  // namespace engram::tasks::ruler
