#include "tasks/ruler/niah_generator.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <set>
#include <stdexcept>

#include "tasks/ruler/sentence_splitter.h"

namespace engram::tasks::ruler {
namespace {

const char* kNoiseLine = "The grass is green. The sky is blue. The sun is yellow. Here we go. There and back again.";

std::vector<std::string> sorted_unique(std::vector<std::string> words) {
  std::sort(words.begin(), words.end());
  words.erase(std::unique(words.begin(), words.end()), words.end());
  return words;
}

std::string uuid4(RulerRandom& random) {
  // uuid.UUID(int=getrandbits(128), version=4): the version nibble is 4, the variant bits are 10.
  uint64_t hi = random.next();
  uint64_t lo = random.next();
  hi = (hi & ~(0xfULL << 12)) | (0x4ULL << 12);
  lo = (lo & ~(0x3ULL << 62)) | (0x2ULL << 62);
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff), static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

std::string join_queries(const std::vector<std::string>& queries) {
  if (queries.size() == 1) return queries[0];
  std::string out;
  for (size_t i = 0; i + 1 < queries.size(); ++i) out += (i ? ", " : "") + queries[i];
  return out + ", and " + queries.back();
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (size_t at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

// RULER's rewrite of the template for one expected value: "Some ... are" -> "A ... is".
std::string singular(std::string text) {
  text = replace_all(std::move(text), "Some", "A");
  text = replace_all(std::move(text), "are all", "is");
  text = replace_all(std::move(text), "are", "is");
  return replace_all(std::move(text), "answers", "answer");
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

NiahGenerator::NiahGenerator(RulerTaskSpec spec, const RulerSources& sources, uint64_t seed, int64_t max_seq_length)
    : spec_(std::move(spec)),
      sources_(sources),
      seed_(seed),
      max_seq_length_(max_seq_length),
      adjectives_(sorted_unique(sources.adjectives.words)),
      nouns_(sorted_unique(sources.nouns.words)) {
  if (spec_.family != Family::niah) throw std::invalid_argument("NiahGenerator: " + spec_.name + " is not a NIAH task");
}

SizingRule NiahGenerator::sizing() const {
  SizingRule rule;
  if (spec_.haystack == Haystack::essay) {
    rule.incremental = 500;
  } else {
    rule.incremental = max_seq_length_ < 4096 ? 5 : 25;
  }
  rule.estimate_size = rule.incremental;
  rule.upper_factor = 3;
  return rule;
}

std::string NiahGenerator::random_needle_part(NeedleType type, RulerRandom& random) const {
  switch (type) {
    case NeedleType::numbers: return std::to_string(random.between(1000000, 9999999));
    case NeedleType::uuids: return uuid4(random);
    case NeedleType::words: {
      const auto& adjective = adjectives_[random.below(adjectives_.size())];
      return adjective + "-" + nouns_[random.below(nouns_.size())];
    }
  }
  throw std::logic_error("unknown needle type");
}

std::string NiahGenerator::essay_context(size_t words, const std::vector<std::string>& needles,
                                         RulerRandom& random) const {
  // The first `words` essay words (cycling past the end), sentence-split, with the needles placed at
  // distinct depths' sentence boundaries; chunks joined by single spaces as RULER joins them.
  const auto& essay = sources_.essay_words;
  std::string text;
  for (size_t i = 0; i < words; ++i) {
    if (i) text += ' ';
    text += essay[i % essay.size()];
  }
  const auto sentences = split_sentences(text);
  const auto& depths = niah_depths();
  std::vector<size_t> positions;
  for (size_t d : random.sample_indices(depths.size(), needles.size())) {
    positions.push_back(static_cast<size_t>(static_cast<double>(sentences.size()) * (depths[d] / 100.0)));
  }
  std::sort(positions.begin(), positions.end());
  positions.insert(positions.begin(), 0);
  positions.push_back(sentences.size());
  std::string context;
  for (size_t i = 1; i < positions.size(); ++i) {
    std::string chunk;
    for (size_t s = positions[i - 1]; s < positions[i]; ++s) {
      if (s > positions[i - 1]) chunk += ' ';
      chunk.append(sentences[s].data(), sentences[s].size());
    }
    if (i > 1) context += ' ';
    context += chunk;
    if (i - 1 < needles.size()) context += ' ' + needles[i - 1];
  }
  return context;
}

RulerSample NiahGenerator::generate(size_t haystack_size, size_t, RulerRandom& random) const {
  const std::string type_plural = to_string(spec_.value_type);
  auto needle_sentence = [&](const std::string& key, const std::string& value) {
    return "One of the special magic " + type_plural + " for " + key + " is: " + value + ".";
  };
  std::vector<std::string> keys, needles;
  std::vector<std::vector<std::string>> values;
  for (int k = 0; k < spec_.num_keys; ++k) {
    keys.push_back(random_needle_part(spec_.key_type, random));
    values.emplace_back();
    for (int v = 0; v < spec_.num_values; ++v) {
      values.back().push_back(random_needle_part(spec_.value_type, random));
      needles.push_back(needle_sentence(keys.back(), values.back().back()));
    }
  }
  // RULER shuffles with a fresh random.Random(seed): the same permutation for every sample.
  RulerRandom(seed_).shuffle(needles);

  std::string context;
  if (spec_.haystack == Haystack::essay) {
    context = essay_context(haystack_size, needles, random);
  } else {
    std::vector<std::string> lines;
    lines.reserve(haystack_size + needles.size());
    if (spec_.haystack == Haystack::noise) {
      lines.assign(haystack_size, kNoiseLine);
    } else {
      // Distractor needles. RULER does not stop a distractor from reusing a real key; we redraw
      // such keys so that no sample has two answers for its question.
      const std::set<std::string> real(keys.begin(), keys.end());
      for (size_t i = 0; i < haystack_size; ++i) {
        std::string key = random_needle_part(spec_.key_type, random);
        while (real.count(key)) key = random_needle_part(spec_.key_type, random);
        lines.push_back(needle_sentence(key, random_needle_part(spec_.value_type, random)));
      }
    }
    auto at = random.sample_indices(haystack_size, needles.size());
    std::sort(at.begin(), at.end(), std::greater<size_t>());
    for (size_t i = 0; i < at.size(); ++i) lines.insert(lines.begin() + static_cast<std::ptrdiff_t>(at[i]), needles[i]);
    for (size_t i = 0; i < lines.size(); ++i) {
      if (i) context += '\n';
      context += lines[i];
    }
  }

  const auto queried = random.sample_indices(static_cast<size_t>(spec_.num_keys), static_cast<size_t>(spec_.num_queries));
  std::vector<std::string> queries;
  RulerSample sample;
  for (size_t q : queried) {
    queries.push_back(keys[q]);
    for (const auto& v : values[q]) sample.outputs.push_back(v);
  }
  const auto& family = spec_.family_template();
  std::string template_text = family.template_text;
  std::string prefix = family.answer_prefix;
  std::string type_shown = type_plural;
  if (spec_.num_queries * spec_.num_values == 1) {
    template_text = singular(template_text);
    prefix = singular(prefix);
    type_shown.pop_back();
  }
  const std::string query = join_queries(queries);
  sample.input = fill_template(template_text, {{"type_needle_v", type_shown}, {"context", context}, {"query", query}});
  sample.answer_prefix = fill_template(prefix, {{"type_needle_v", type_shown}, {"query", query}});
  return sample;
}

}  // namespace engram::tasks::ruler
