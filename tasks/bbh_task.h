#pragma once
// BIG-Bench Hard as lm-evaluation-harness runs it, in four variants:
//  - cot_fewshot (lm-eval `bbh_cot_fewshot`, the `bbh` group): the CoT prompt file's description and
//    3 exemplars, each "Q: {input}\nA: Let's think step by step.\n{reasoning}" as lm-eval renders its
//    fewshot samples (so sports_understanding's "step by step. Bam..." gets a line break), then
//    "Q: {input}\nA: Let's think step by step.\n"; greedy, stop at "</s>", "Q", "\n\n", 1024 new
//    tokens; answer = regex (?<=the answer is )(.*)(?=.), first match,
//    stripped; exact_match with no normalisation.
//  - fewshot (`bbh_fewshot`): the same 3 questions with bare answers ("Q: ...\nA: (D)"), then
//    "Q: {input}\nA:"; same stops, 256 tokens; the raw continuation is compared (filter "none").
//  - zeroshot (`bbh_zeroshot`): description, then "Q: {input}\nA:"; stop at "</s>", "Q:",
//    "<|im_end|>", 256 tokens; exact_match ignoring case and the patterns \.$ , \n \\ ". Filters as
//    lm-eval: "strict-match" (the raw response) and "flexible-extract" (primary, as lm-eval's group
//    aggregates it; the subtask's extractor, first match).
//  - cot_zeroshot (`bbh_cot_zeroshot`): description, then "Q: {input}\nA: Let's think step by step."
//    (no trailing newline); stops, budget and exact_match as zeroshot. Two filters, as lm-eval:
//    "flexible-extract" (primary; the subtask's extractor, last match: the last option letter
//    "(X)", the last True/False, Yes/No, valid/invalid, number (or English number words) or
//    bracket run, plausible -> yes, "tells the truth" -> yes, the listed words by last occurrence)
//    and "strict-match" (the text after "The answer is", "the answer is", "The answer: " or "The
//    final answer: ", first match, last character dropped).
// The fewshot and zeroshot variants also report a "strip" filter (the response with surrounding
// whitespace removed). It is ours, not lm-eval's: lm-eval compares " (A)" with "(A)" and scores 0,
// which hides a model's answers behind a tokenizer detail; both numbers are reported, the lm-eval
// one is primary. Quirks of the protocol (the single-letter stop "Q", the regex dropping the last
// character) are kept on purpose, so that numbers match lm-eval's.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "tasks/answer_filter.h"
#include "tasks/bbh_data.h"
#include "tasks/exact_match.h"
#include "tasks/task.h"

namespace engram::tasks {

enum class BbhVariant { cot_fewshot, fewshot, zeroshot, cot_zeroshot };

// lm-eval's per-subtask "flexible-extract" filter (bbh/cot_zeroshot and bbh/zeroshot YAMLs), taking
// the match at `group_select` (-1 for cot_zeroshot, 0 for zeroshot). A name outside the 27 gets
// the multiple-choice extractor.
AnswerFilter bbh_flexible_extract(const std::string& subtask, int group_select);

// Everything that defines a BBH protocol; bbh_config() gives lm-eval's settings for a variant.
struct BbhTaskConfig {
  std::string name;
  BbhVariant variant = BbhVariant::cot_fewshot;
  std::string version;    // ours
  std::string reference;  // what it reproduces
  std::string description_delimiter = "\n\n";  // after the task description
  size_t num_fewshot = 3;                       // exemplars taken first_n from the prompt file
  bool cot_exemplars = true;                    // exemplar target = its reasoning; else its final answer
  std::string fewshot_target_delimiter = " ";   // between an exemplar's query and its target
  std::string fewshot_delimiter = "\n\n";       // after each exemplar
  std::string query_prefix = "Q: ";
  std::string query_suffix = "\nA: Let's think step by step.\n";
  std::vector<std::string> until;
  int64_t max_gen_toks = 256;
  std::vector<AnswerFilter> filters;  // in lm-eval's order, then ours
  std::string primary_filter;         // the headline; empty: flexible-extract at 0, else the first filter
  // When set, the subtask's bbh_flexible_extract(subtask, flexible_group_select) is inserted into
  // `filters` at this position.
  std::optional<size_t> flexible_extract_at;
  int flexible_group_select = -1;
  ExactMatchOptions exact_match;
};
BbhTaskConfig bbh_config(BbhVariant variant);

class BbhTask : public Task {
 public:
  BbhTask(BbhTaskConfig config, std::vector<BbhSubtaskData> data);

  std::string name() const override { return config_.name; }
  std::string version() const override { return config_.version; }
  RequestType request_type() const override { return RequestType::generate_until; }
  std::vector<std::string> subtasks() const override;
  size_t subtask_size(const std::string& subtask) const override;
  std::vector<Instance> instances(std::optional<size_t> limit) const override;
  SampleRecord score(const Instance& instance, const InstanceResponse& response) const override;
  std::vector<MetricSpec> metrics() const override;
  nlohmann::json protocol() const override;
  nlohmann::json subtask_protocol(const std::string& subtask) const override;

  // The prompt for one input of a subtask (exposed for tests and for `inspect`-style tools).
  std::string render_prompt(const std::string& subtask, const std::string& input) const;
  const BbhTaskConfig& config() const { return config_; }
  const std::string& primary_filter() const;

 private:
  struct Subtask {
    BbhSubtaskData data;
    std::string prefix;  // description + few-shot block: everything before the query
    std::vector<AnswerFilter> filters;  // the config's, with the subtask's flexible-extract
  };
  const Subtask& find(const std::string& subtask) const;

  BbhTaskConfig config_;
  ExactMatch exact_match_;
  std::vector<Subtask> subtasks_;
};

}  // namespace engram::tasks
