#pragma once
// The 13 RULER tasks as NVIDIA/RULER's scripts/synthetic.yaml configures them, their families'
// prompt templates and generation budgets (scripts/data/synthetic/constants.py), their scoring
// metric (scripts/eval/synthetic/constants.py) and the paper's eight categories (S, MK, MV, MQ, VT,
// CWE, FWE, QA). Templates are quoted byte for byte: the prompt text is part of the protocol.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace engram::tasks::ruler {

enum class Family { niah, variable_tracking, common_words_extraction, freq_words_extraction, qa };
enum class Haystack { none, noise, essay, needle };
enum class NeedleType { words, numbers, uuids };
enum class MatchMetric { all, part };  // string_match_all / string_match_part

const char* to_string(Family family);
const char* to_string(Haystack haystack);
const char* to_string(NeedleType type);
const char* to_string(MatchMetric metric);

struct FamilyTemplate {
  std::string template_text;  // with {context}, {query} and family-specific fields
  std::string answer_prefix;  // appended after the task text; the model continues from here
  int64_t tokens_to_generate = 0;
  MatchMetric metric = MatchMetric::all;
};
const FamilyTemplate& family_template(Family family);

struct RulerTaskSpec {
  std::string name;      // "niah_single_1"
  std::string category;  // the paper's category: "S", "MK", "MV", "MQ", "VT", "CWE", "FWE", "QA"
  Family family = Family::niah;
  // NIAH
  Haystack haystack = Haystack::none;
  NeedleType key_type = NeedleType::words;
  NeedleType value_type = NeedleType::numbers;
  int num_keys = 1;     // num_needle_k (already max(k, q) as RULER sets it)
  int num_values = 1;   // num_needle_v
  int num_queries = 1;  // num_needle_q
  // VT
  int num_chains = 1;
  int num_hops = 4;
  // CWE
  int freq_common = 30;
  int freq_uncommon = 3;
  int num_common = 10;
  // FWE
  double alpha = 2.0;
  int coded_word_length = 6;
  // QA
  std::string qa_dataset;  // "squad" or "hotpotqa"

  const FamilyTemplate& family_template() const { return ruler::family_template(family); }
  nlohmann::json describe() const;
};

// The 13 tasks in RULER's order.
const std::vector<RulerTaskSpec>& ruler_task_specs();
// nullopt when the name is not one of the 13.
std::optional<RulerTaskSpec> find_ruler_task(const std::string& name);
std::vector<std::string> ruler_task_names();

struct RulerCategory {
  std::string name;          // "S"
  std::string display_name;  // "Single NIAH"
  std::vector<std::string> tasks;
};
// The paper's eight categories, in its table order.
const std::vector<RulerCategory>& ruler_categories();

}  // namespace engram::tasks::ruler
