#include "tasks/ruler/ruler_task_specs.h"

#include <algorithm>
#include <stdexcept>

namespace engram::tasks::ruler {

const char* to_string(Family family) {
  switch (family) {
    case Family::niah: return "niah";
    case Family::variable_tracking: return "variable_tracking";
    case Family::common_words_extraction: return "common_words_extraction";
    case Family::freq_words_extraction: return "freq_words_extraction";
    case Family::qa: return "qa";
  }
  return "?";
}

const char* to_string(Haystack haystack) {
  switch (haystack) {
    case Haystack::none: return "none";
    case Haystack::noise: return "noise";
    case Haystack::essay: return "essay";
    case Haystack::needle: return "needle";
  }
  return "?";
}

const char* to_string(NeedleType type) {
  switch (type) {
    case NeedleType::words: return "words";
    case NeedleType::numbers: return "numbers";
    case NeedleType::uuids: return "uuids";
  }
  return "?";
}

const char* to_string(MatchMetric metric) { return metric == MatchMetric::all ? "string_match_all" : "string_match_part"; }

const FamilyTemplate& family_template(Family family) {
  static const FamilyTemplate niah{
      "Some special magic {type_needle_v} are hidden within the following text. Make sure to memorize it. I will "
      "quiz you about the {type_needle_v} afterwards.\n{context}\nWhat are all the special magic {type_needle_v} for "
      "{query} mentioned in the provided text?",
      " The special magic {type_needle_v} for {query} mentioned in the provided text are", 128, MatchMetric::all};
  static const FamilyTemplate vt{
      "Memorize and track the chain(s) of variable assignment hidden in the following text.\n\n{context}\nQuestion: "
      "Find all variables that are assigned the value {query} in the text above.",
      " Answer: According to the chain(s) of variable assignment in the text above, {num_v} variables are assigned "
      "the value {query}, they are: ",
      30, MatchMetric::all};
  static const FamilyTemplate cwe{
      "Below is a numbered list of words. In these words, some appear more often than others. Memorize the ones that "
      "appear most often.\n{context}\nQuestion: What are the 10 most common words in the above list?",
      " Answer: The top 10 words that appear most often in the list are:", 120, MatchMetric::all};
  static const FamilyTemplate fwe{
      "Read the following coded text and track the frequency of each coded word. Find the three most frequently "
      "appeared coded words. {context}\nQuestion: Do not provide any explanation. Please ignore the dots '....'. What "
      "are the three most frequently appeared words in the above coded text?",
      " Answer: According to the coded text above, the three most frequently appeared words are:", 50,
      MatchMetric::all};
  static const FamilyTemplate qa{
      "Answer the question based on the given documents. Only give me the answer and do not output any other "
      "words.\n\nThe following are given documents.\n\n{context}\n\nAnswer the question based on the given "
      "documents. Only give me the answer and do not output any other words.\n\nQuestion: {query}",
      " Answer:", 32, MatchMetric::part};
  switch (family) {
    case Family::niah: return niah;
    case Family::variable_tracking: return vt;
    case Family::common_words_extraction: return cwe;
    case Family::freq_words_extraction: return fwe;
    case Family::qa: return qa;
  }
  throw std::logic_error("unknown RULER family");
}

nlohmann::json RulerTaskSpec::describe() const {
  const auto& t = family_template();
  nlohmann::json out = {{"family", to_string(family)},
                        {"category", category},
                        {"template", t.template_text},
                        {"answer_prefix", t.answer_prefix},
                        {"tokens_to_generate", t.tokens_to_generate},
                        {"metric", to_string(t.metric)}};
  switch (family) {
    case Family::niah:
      out["haystack"] = to_string(haystack);
      out["type_needle_k"] = to_string(key_type);
      out["type_needle_v"] = to_string(value_type);
      out["num_needle_k"] = num_keys;
      out["num_needle_v"] = num_values;
      out["num_needle_q"] = num_queries;
      break;
    case Family::variable_tracking:
      out["haystack"] = to_string(Haystack::noise);
      out["num_chains"] = num_chains;
      out["num_hops"] = num_hops;
      break;
    case Family::common_words_extraction:
      out["freq_cw"] = freq_common;
      out["freq_ucw"] = freq_uncommon;
      out["num_cw"] = num_common;
      break;
    case Family::freq_words_extraction:
      out["alpha"] = "2.0";  // as text: fingerprints hold no floats
      out["coded_wordlen"] = coded_word_length;
      break;
    case Family::qa:
      out["dataset"] = qa_dataset;
      break;
  }
  return out;
}

namespace {

RulerTaskSpec niah(std::string name, std::string category, Haystack haystack, NeedleType key, NeedleType value,
                   int k, int v, int q) {
  RulerTaskSpec s;
  s.name = std::move(name);
  s.category = std::move(category);
  s.family = Family::niah;
  s.haystack = haystack;
  s.key_type = key;
  s.value_type = value;
  s.num_keys = std::max(k, q);
  s.num_values = v;
  s.num_queries = q;
  return s;
}

RulerTaskSpec other(std::string name, std::string category, Family family, std::string qa_dataset = "") {
  RulerTaskSpec s;
  s.name = std::move(name);
  s.category = std::move(category);
  s.family = family;
  s.qa_dataset = std::move(qa_dataset);
  if (family == Family::variable_tracking) s.haystack = Haystack::noise;
  return s;
}

}  // namespace

const std::vector<RulerTaskSpec>& ruler_task_specs() {
  using H = Haystack;
  using N = NeedleType;
  static const std::vector<RulerTaskSpec> specs = {
      niah("niah_single_1", "S", H::noise, N::words, N::numbers, 1, 1, 1),
      niah("niah_single_2", "S", H::essay, N::words, N::numbers, 1, 1, 1),
      niah("niah_single_3", "S", H::essay, N::words, N::uuids, 1, 1, 1),
      niah("niah_multikey_1", "MK", H::essay, N::words, N::numbers, 4, 1, 1),
      niah("niah_multikey_2", "MK", H::needle, N::words, N::numbers, 1, 1, 1),
      niah("niah_multikey_3", "MK", H::needle, N::uuids, N::uuids, 1, 1, 1),
      niah("niah_multivalue", "MV", H::essay, N::words, N::numbers, 1, 4, 1),
      niah("niah_multiquery", "MQ", H::essay, N::words, N::numbers, 1, 1, 4),
      other("vt", "VT", Family::variable_tracking),
      other("cwe", "CWE", Family::common_words_extraction),
      other("fwe", "FWE", Family::freq_words_extraction),
      other("qa_1", "QA", Family::qa, "squad"),
      other("qa_2", "QA", Family::qa, "hotpotqa"),
  };
  return specs;
}

std::optional<RulerTaskSpec> find_ruler_task(const std::string& name) {
  for (const auto& s : ruler_task_specs()) {
    if (s.name == name) return s;
  }
  return std::nullopt;
}

std::vector<std::string> ruler_task_names() {
  std::vector<std::string> out;
  for (const auto& s : ruler_task_specs()) out.push_back(s.name);
  return out;
}

const std::vector<RulerCategory>& ruler_categories() {
  static const std::vector<RulerCategory> categories = [] {
    std::vector<RulerCategory> out = {{"S", "Single NIAH", {}},         {"MK", "Multi-keys NIAH", {}},
                                      {"MV", "Multi-values NIAH", {}},  {"MQ", "Multi-queries NIAH", {}},
                                      {"VT", "Variable tracking", {}},  {"CWE", "Common words extraction", {}},
                                      {"FWE", "Frequent words extraction", {}}, {"QA", "Question answering", {}}};
    for (const auto& s : ruler_task_specs()) {
      for (auto& c : out) {
        if (c.name == s.category) c.tasks.push_back(s.name);
      }
    }
    return out;
  }();
  return categories;
}

}  // namespace engram::tasks::ruler
