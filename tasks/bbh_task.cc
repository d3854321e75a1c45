#include "tasks/bbh_task.h"

#include <algorithm>
#include <map>
#include <set>
#include <stdexcept>

#include "tasks/sha256.h"
#include "tasks/text.h"

namespace engram::tasks {

AnswerFilter bbh_flexible_extract(const std::string& subtask, int group_select) {
  static const std::set<std::string> multiple_choice = {
      "date_understanding", "disambiguation_qa", "geometric_shapes", "hyperbaton", "logical_deduction_five_objects",
      "logical_deduction_seven_objects", "logical_deduction_three_objects", "movie_recommendation",
      "penguins_in_a_table", "reasoning_about_colored_objects", "ruin_names", "salient_translation_error_detection",
      "snarks", "temporal_sequences", "tracking_shuffled_objects_five_objects",
      "tracking_shuffled_objects_seven_objects", "tracking_shuffled_objects_three_objects"};
  static const std::map<std::string, std::string> word_patterns = {
      {"boolean_expressions", "\\b(True|False)\\b"},
      {"causal_judgement", "\\b(Yes|No|yes|no)\\b"},
      {"formal_fallacies", "\\b(valid|invalid)\\b"},
      {"navigate", "\\b(Yes|No|yes|no)\\b"},
      {"dyck_languages", "(?<= )([\\\" \\[\\(<{}>\\)\\]]+)|([\\\" \\[\\(<{}>\\)\\]]+)"}};
  AnswerFilter filter("flexible-extract");
  if (multiple_choice.count(subtask)) {
    filter.multi_choice_regex("(\\([A-Z]\\))", group_select, true, true);
  } else if (auto it = word_patterns.find(subtask); it != word_patterns.end()) {
    filter.regex(it->second, group_select);
  } else if (subtask == "object_counting" || subtask == "multistep_arithmetic_two") {
    filter.number_regex("([-0-9]+)", group_select);
  } else if (subtask == "sports_understanding") {
    filter.map_regex({{"\\b(no|not plausible)\\b", "no"}, {"\\b(yes|plausible)\\b", "yes"}}, group_select, true, false);
  } else if (subtask == "web_of_lies") {
    filter.map_regex({{"\\b(no|does not tell the truth|is not telling the truth)\\b", "no"},
                      {"\\b(yes|tells the truth|is telling the truth)\\b", "yes"}},
                     group_select, true, false);
  } else if (subtask == "word_sorting") {
    filter.word_sort();
  } else {
    // Not one of the 27 (made-up data in tests): the multiple-choice extractor, the most common.
    filter.multi_choice_regex("(\\([A-Z]\\))", group_select, true, true);
  }
  return filter.take_first();
}

BbhTaskConfig bbh_config(BbhVariant variant) {
  BbhTaskConfig c;
  c.variant = variant;
  c.version = "1";
  switch (variant) {
    case BbhVariant::cot_fewshot:
      c.name = "bbh_cot_fewshot";
      // The version stays when only prompts or filters change (here: sports_understanding's exemplars
      // as lm-eval renders them): the fingerprint records it, and the journal keys on the prompt, so a
      // journal made before still answers the unchanged requests (--resume, --rescore).
      c.reference = "lm-evaluation-harness bbh_cot_fewshot (template version 4.0)";
      c.num_fewshot = 3;
      c.cot_exemplars = true;
      c.fewshot_target_delimiter = "";
      c.query_suffix = "\nA: Let's think step by step.\n";
      c.until = {"</s>", "Q", "\n\n"};
      c.max_gen_toks = 1024;
      c.filters.push_back(AnswerFilter("get-answer").regex("(?<=the answer is )(.*)(?=.)").take_first());
      break;
    case BbhVariant::fewshot:
      c.name = "bbh_fewshot";
      c.reference = "lm-evaluation-harness bbh_fewshot (answer-only exemplars)";
      c.num_fewshot = 3;
      c.cot_exemplars = false;
      c.query_suffix = "\nA:";
      c.until = {"</s>", "Q", "\n\n"};
      c.max_gen_toks = 256;
      c.filters.push_back(AnswerFilter::none());
      c.filters.push_back(AnswerFilter("strip").strip());
      break;
    case BbhVariant::zeroshot:
      c.name = "bbh_zeroshot";
      // 2: adds lm-eval's flexible-extract. Later filter changes (the raw filter named strict-match,
      // flexible-extract primary) show in the fingerprint only, so a journal made before can be
      // rescored.
      c.version = "2";
      c.reference = "lm-evaluation-harness bbh_zeroshot (flexible-extract primary, strict-match the raw response)";
      c.num_fewshot = 0;
      c.cot_exemplars = false;
      c.query_suffix = "\nA:";
      c.until = {"</s>", "Q:", "<|im_end|>"};
      c.max_gen_toks = 256;
      c.filters.push_back(AnswerFilter("strict-match").take_first());
      c.filters.push_back(AnswerFilter("strip").strip());
      c.flexible_extract_at = 1;
      c.primary_filter = "flexible-extract";
      c.flexible_group_select = 0;
      c.exact_match.ignore_case = true;
      c.exact_match.regexes_to_ignore = {"\\.$", ",", "\\n", "\\\\", "\""};
      break;
    case BbhVariant::cot_zeroshot:
      c.name = "bbh_cot_zeroshot";
      c.reference = "lm-evaluation-harness bbh_cot_zeroshot (template version 3.0)";
      c.num_fewshot = 0;
      c.cot_exemplars = false;
      c.query_suffix = "\nA: Let's think step by step.";
      c.until = {"</s>", "Q:", "<|im_end|>"};
      c.max_gen_toks = 256;
      c.flexible_extract_at = 0;
      c.flexible_group_select = -1;
      c.filters.push_back(AnswerFilter("strict-match")
                              .regex("((?<=The answer is )(.*)(?=.)|(?<=the answer is )(.*)(?=.)|"
                                     "(?<=The answer: )(.*)(?=.)|(?<=The final answer: )(.*)(?=.))")
                              .take_first());
      c.exact_match.ignore_case = true;
      c.exact_match.regexes_to_ignore = {"\\.$", ",", "\\n", "\\\\", "\""};
      break;
  }
  return c;
}

BbhTask::BbhTask(BbhTaskConfig config, std::vector<BbhSubtaskData> data)
    : config_(std::move(config)), exact_match_(config_.exact_match) {
  if (config_.filters.empty() && !config_.flexible_extract_at) {
    throw std::invalid_argument("BBH task " + config_.name + " has no answer filter");
  }
  if (config_.flexible_extract_at && *config_.flexible_extract_at > config_.filters.size()) {
    throw std::invalid_argument("BBH task " + config_.name + ": flexible_extract_at is past the filter list");
  }
  const auto metrics_list = metrics();
  if (std::none_of(metrics_list.begin(), metrics_list.end(), [](const MetricSpec& m) { return m.primary; })) {
    throw std::invalid_argument("BBH task " + config_.name + ": primary filter '" + primary_filter() +
                                "' is not one of its filters");
  }
  for (auto& d : data) {
    Subtask s;
    const auto& prompt = d.prompt;
    if (config_.num_fewshot > prompt.exemplars.size()) {
      throw std::invalid_argument(prompt.file + ": " + std::to_string(prompt.exemplars.size()) +
                                  " exemplars, but the protocol takes " + std::to_string(config_.num_fewshot));
    }
    s.prefix = prompt.description + config_.description_delimiter;
    // lm-eval's fewshot_config samples {input, target}: doc_to_text(sample) + target_delimiter +
    // target, with the reasoning (CoT) or the final answer as the target.
    for (size_t i = 0; i < config_.num_fewshot; ++i) {
      const auto& ex = prompt.exemplars[i];
      s.prefix += config_.query_prefix + ex.input + config_.query_suffix + config_.fewshot_target_delimiter +
                  (config_.cot_exemplars ? ex.reasoning : ex.answer);
      s.prefix += config_.fewshot_delimiter;
    }
    s.filters = config_.filters;
    if (config_.flexible_extract_at) {
      s.filters.insert(s.filters.begin() + static_cast<std::ptrdiff_t>(*config_.flexible_extract_at),
                       bbh_flexible_extract(d.name, config_.flexible_group_select));
    }
    s.data = std::move(d);
    subtasks_.push_back(std::move(s));
  }
}

std::vector<std::string> BbhTask::subtasks() const {
  std::vector<std::string> out;
  for (const auto& s : subtasks_) out.push_back(s.data.name);
  return out;
}

const BbhTask::Subtask& BbhTask::find(const std::string& subtask) const {
  for (const auto& s : subtasks_) {
    if (s.data.name == subtask) return s;
  }
  throw std::invalid_argument("task " + config_.name + " has no subtask '" + subtask + "'");
}

size_t BbhTask::subtask_size(const std::string& subtask) const { return find(subtask).data.examples.size(); }

std::string BbhTask::render_prompt(const std::string& subtask, const std::string& input) const {
  return find(subtask).prefix + config_.query_prefix + input + config_.query_suffix;
}

std::vector<Instance> BbhTask::instances(std::optional<size_t> limit) const {
  std::vector<Instance> out;
  for (const auto& s : subtasks_) {
    const size_t n = limit ? std::min(*limit, s.data.examples.size()) : s.data.examples.size();
    for (size_t i = 0; i < n; ++i) {
      const auto& ex = s.data.examples[i];
      Instance inst;
      inst.subtask = s.data.name;
      inst.doc_index = i;
      inst.doc_id = s.data.name + "/" + std::to_string(i);
      inst.context = s.prefix + config_.query_prefix + ex.input + config_.query_suffix;
      inst.target = ex.target;
      inst.type = RequestType::generate_until;
      inst.generation.stop = config_.until;
      inst.generation.max_new_tokens = config_.max_gen_toks;
      inst.generation.greedy = true;
      inst.generation.temperature = 0.0;
      out.push_back(std::move(inst));
    }
  }
  return out;
}

SampleRecord BbhTask::score(const Instance& instance, const InstanceResponse& response) const {
  SampleRecord r = SampleRecord::for_instance(instance);
  const auto& gen = response.generation;
  r.response = to_valid_utf8(gen.text);
  r.truncated = gen.truncated;
  r.hit_stop = gen.hit_stop;
  r.tokens = gen.tokens;
  const Subtask& subtask = find(instance.subtask);
  const std::string& input = subtask.data.examples.at(instance.doc_index).input;
  for (size_t f = 0; f < subtask.filters.size(); ++f) {
    const auto& filter = subtask.filters[f];
    const auto answer = filter.apply(gen.text, input);
    if (filter.name() == primary_filter()) r.unparseable = answer.fell_back || py_strip(answer.text).empty();
    r.filtered.emplace_back(filter.name(), answer.text);
    r.metrics.push_back({"exact_match", filter.name(), exact_match_.score(answer.text, instance.target)});
  }
  return r;
}

std::vector<MetricSpec> BbhTask::metrics() const {
  std::vector<std::string> names;
  for (const auto& f : config_.filters) names.push_back(f.name());
  if (config_.flexible_extract_at) {
    names.insert(names.begin() + static_cast<std::ptrdiff_t>(*config_.flexible_extract_at), "flexible-extract");
  }
  std::vector<MetricSpec> out;
  for (const auto& name : names) out.push_back({"exact_match", name, true, name == primary_filter()});
  return out;
}

const std::string& BbhTask::primary_filter() const {
  if (!config_.primary_filter.empty()) return config_.primary_filter;
  static const std::string flexible = "flexible-extract";
  if (config_.flexible_extract_at == size_t{0}) return flexible;
  return config_.filters.front().name();
}

nlohmann::json BbhTask::protocol() const {
  nlohmann::json filters = nlohmann::json::array();
  for (const auto& f : config_.filters) filters.push_back(f.describe());
  if (config_.flexible_extract_at) {
    filters.insert(filters.begin() + static_cast<std::ptrdiff_t>(*config_.flexible_extract_at),
                   nlohmann::json{{"name", "flexible-extract"},
                                  {"steps", "per subtask (see subtasks.<name>.flexible_extract)"},
                                  {"group_select", config_.flexible_group_select}});
  }
  return {
      {"task", config_.name},
      {"version", config_.version},
      {"reference", config_.reference},
      {"output_type", "generate_until"},
      {"primary_filter", primary_filter()},
      {"template",
       {{"layout", "description + description_delimiter + fewshot exemplars (each + fewshot_delimiter) + "
                   "query_prefix + input + query_suffix"},
        {"description", "cot-prompts/<subtask>.txt: text between the '-----' line and the first 'Q: ' block"},
        {"description_delimiter", config_.description_delimiter},
        {"query_prefix", config_.query_prefix},
        {"query_suffix", config_.query_suffix}}},
      {"fewshot",
       {{"source", "cot-prompts/<subtask>.txt"},
        {"sampler", "first_n"},
        {"num_fewshot", config_.num_fewshot},
        {"exemplar_format", "query_prefix + exemplar input + query_suffix + target_delimiter + target"},
        {"target_delimiter", config_.fewshot_target_delimiter},
        {"target", config_.cot_exemplars ? "the reasoning after \"Let's think step by step.\", leading whitespace "
                                           "removed (lm-eval's fewshot_config samples)"
                                         : "the answer: regex (?<=answer is )(.*)(?=.), first match"},
        {"fewshot_delimiter", config_.fewshot_delimiter}}},
      {"generation",
       {{"until", config_.until},
        {"max_gen_toks", config_.max_gen_toks},
        {"do_sample", false},
        {"temperature", 0},
        {"stop_semantics", "text before the earliest stop string; continuation not stripped"},
        {"eos_stops", true}}},
      {"filters", filters},
      {"metric", exact_match_.describe()},
      {"aggregation",
       {{"subtask", "mean; stderr = sample std (ddof=1) / sqrt(n)"},
        {"task", "size-weighted mean over subtasks (micro); stderr pooled as lm-eval's pooled_sample_stderr"}}},
  };
}

nlohmann::json BbhTask::subtask_protocol(const std::string& subtask) const {
  const auto& s = find(subtask);
  nlohmann::json out = {{"prefix_sha256", sha256_hex(s.prefix)},
                        {"num_exemplars_in_file", s.data.prompt.exemplars.size()}};
  if (config_.flexible_extract_at) out["flexible_extract"] = s.filters[*config_.flexible_extract_at].describe();
  return out;
}

}  // namespace engram::tasks
