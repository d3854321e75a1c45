// The evaluator: one batched call per request kind across all tasks, deterministic limits, the
// documented JSON layout, and stderrs in the results that follow lm-eval's formulas.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "tasks/bbh_task.h"
#include "tasks/evaluator.h"
#include "tasks/forwarding_model.h"
#include "tasks/mmlu_task.h"
#include "tasks/oracle_model.h"
#include "tasks/stats.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

// Wraps a model and records how it is called.
class CountingModel : public LanguageModel {
 public:
  explicit CountingModel(LanguageModel& inner) : inner_(inner) {}
  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& r) override {
    ll_calls.push_back(r.size());
    return inner_.loglikelihood(r);
  }
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& t) override {
    return inner_.loglikelihood_rolling(t);
  }
  std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& r) override {
    gen_calls.push_back(r.size());
    for (const auto& req : r) stops.push_back(req.stop);
    return inner_.generate_until(r);
  }
  std::vector<int64_t> encode(const std::string& s) const override { return inner_.encode(s); }
  std::string decode(const std::vector<int64_t>& ids) const override { return inner_.decode(ids); }
  int64_t max_length() const override { return inner_.max_length(); }
  nlohmann::json describe() const override { return {{"name", "counting"}}; }

  std::vector<size_t> ll_calls, gen_calls;
  std::vector<std::vector<std::string>> stops;

 private:
  LanguageModel& inner_;
};

using testing::fruit;
using testing::subject;

// Answers BBH with the CoT gold for even documents and nonsense for odd ones; MMLU always " A".
OracleModel half_right_model(const BbhTask& bbh) {
  std::unordered_map<std::string, std::string> generations;
  for (const auto& inst : bbh.instances(std::nullopt)) {
    generations[inst.context] =
        inst.doc_index % 2 == 0 ? "So the answer is " + inst.target + "." : "I am not sure \xE2\x82";
  }
  auto gen = std::make_shared<std::unordered_map<std::string, std::string>>(std::move(generations));
  return OracleModel([](const std::string&) { return std::optional<std::string>(" A"); },
                     [gen](const std::string& ctx) -> std::optional<std::string> { return gen->at(ctx); });
}

TEST(Evaluator, OneBatchPerKindAcrossTasks) {
  const BbhTask bbh(bbh_config(BbhVariant::cot_fewshot), {fruit("alpha"), fruit("beta")});
  const BbhTask bbh_plain(bbh_config(BbhVariant::zeroshot), {fruit("alpha")});
  const MmluTask mmlu(MmluTaskConfig{}, {subject("anatomy", 6), subject("philosophy", 4)});
  auto oracle = half_right_model(bbh);
  std::unordered_map<std::string, std::string> plain;
  for (const auto& inst : bbh_plain.instances(std::nullopt)) plain[inst.context] = inst.target;
  auto gen = std::make_shared<decltype(plain)>(plain);
  OracleModel both([](const std::string&) { return std::optional<std::string>(" A"); },
                   [&oracle, gen](const std::string& ctx) -> std::optional<std::string> {
                     if (auto it = gen->find(ctx); it != gen->end()) return it->second;
                     return oracle.generate_until({GenerationRequest{ctx, {}, 1}})[0].text;
                   });
  CountingModel model(both);
  const auto out = evaluate(model, std::vector<const Task*>{&bbh, &bbh_plain, &mmlu});
  ASSERT_EQ(model.ll_calls.size(), 1u);
  ASSERT_EQ(model.gen_calls.size(), 1u);
  EXPECT_EQ(model.ll_calls[0], 4u * 10u);
  EXPECT_EQ(model.gen_calls[0], 6u + 3u);
  EXPECT_EQ(model.stops.front(), (std::vector<std::string>{"</s>", "Q", "\n\n"}));
  EXPECT_EQ(model.stops.back(), (std::vector<std::string>{"</s>", "Q:", "<|im_end|>"}));
  EXPECT_EQ(out["requests"]["loglikelihood"], 40);
  EXPECT_EQ(out["requests"]["generate_until"], 9);
  EXPECT_EQ(out["schema"], "engram-bench/task-eval/1");
  EXPECT_EQ(out["config"]["tasks"], (nlohmann::json{"bbh_cot_fewshot", "bbh_zeroshot", "mmlu"}));
  EXPECT_EQ(out["results"]["bbh_zeroshot"]["metrics"]["exact_match,strict-match"]["value"], 1.0);
  // JSON with an invalid UTF-8 response still serialises (replaced by U+FFFD).
  EXPECT_NO_THROW(out.dump());
}

TEST(Evaluator, ResultsLayoutAndStderrs) {
  const BbhTask bbh(bbh_config(BbhVariant::cot_fewshot), {fruit("alpha"), fruit("beta")});
  const MmluTask mmlu(MmluTaskConfig{}, {subject("anatomy", 6), subject("philosophy", 4)});
  auto model = half_right_model(bbh);
  const auto out = evaluate(model, std::vector<const Task*>{&bbh, &mmlu});

  const auto& b = out["results"]["bbh_cot_fewshot"];
  EXPECT_EQ(b["task"], "bbh_cot_fewshot");
  EXPECT_EQ(b["fingerprint"], bbh.fingerprint());
  EXPECT_EQ(b["primary_metric"], "exact_match,get-answer");
  EXPECT_EQ(b["n"], 6);
  EXPECT_EQ(b["n_total"], 6);
  EXPECT_TRUE(b["limit"].is_null());
  // Per subtask: documents 0 and 2 right, 1 wrong and unparseable -> 2/3 +- sqrt(p(1-p)/(n-1)).
  const auto& alpha = b["subtask_results"]["alpha"];
  EXPECT_DOUBLE_EQ(alpha["metrics"]["exact_match,get-answer"]["value"].get<double>(), 2.0 / 3.0);
  EXPECT_NEAR(alpha["metrics"]["exact_match,get-answer"]["stderr"].get<double>(),
              std::sqrt(2.0 / 3.0 * 1.0 / 3.0 / 2.0), 1e-12);
  EXPECT_EQ(alpha["metrics"]["exact_match,get-answer"]["stderr_method"], "closed_form");
  EXPECT_EQ(alpha["counts"]["unparseable"], 1);
  EXPECT_EQ(alpha["fingerprint"], bbh.subtask_fingerprint("alpha"));
  // Group: size-weighted mean and lm-eval's pooled stderr.
  const double se = std::sqrt(2.0 / 3.0 * 1.0 / 3.0 / 2.0);
  const double pooled = std::sqrt((2 * 3 * se * se + 2 * 3 * se * se) / (6.0 - 2.0) / 6.0);
  const auto& g = b["metrics"]["exact_match,get-answer"];
  EXPECT_DOUBLE_EQ(g["value"].get<double>(), 2.0 / 3.0);
  EXPECT_NEAR(g["stderr"].get<double>(), pooled, 1e-12);
  EXPECT_EQ(g["stderr_method"], "pooled");
  EXPECT_EQ(b["counts"]["unparseable"], 2);

  const auto& m = out["results"]["mmlu"];
  EXPECT_EQ(m["primary_metric"], "acc,none");
  // anatomy test answers cycle from index 5: B C D A B C -> one A in 6; philosophy: B C D A -> 1 in 4.
  EXPECT_DOUBLE_EQ(m["subtask_results"]["anatomy"]["metrics"]["acc,none"]["value"].get<double>(), 1.0 / 6.0);
  EXPECT_DOUBLE_EQ(m["subtask_results"]["philosophy"]["metrics"]["acc,none"]["value"].get<double>(), 0.25);
  EXPECT_DOUBLE_EQ(m["metrics"]["acc,none"]["value"].get<double>(), 2.0 / 10.0);
  EXPECT_DOUBLE_EQ(m["metrics"]["acc,none"]["macro_value"].get<double>(), (1.0 / 6.0 + 0.25) / 2.0);
  EXPECT_EQ(m["groups"]["stem"]["subtasks"], (nlohmann::json{"anatomy"}));
  EXPECT_EQ(m["groups"]["humanities"]["n"], 4);
  EXPECT_FALSE(m["groups"].contains("other"));

  const auto& sample = out["samples"]["bbh_cot_fewshot"][1];
  EXPECT_EQ(sample["doc_id"], "alpha/1");
  EXPECT_EQ(sample["filtered"]["get-answer"], "[invalid]");
  EXPECT_EQ(sample["flags"]["unparseable"], true);
  EXPECT_EQ(sample["metrics"]["exact_match,get-answer"], 0.0);
  EXPECT_EQ(sample["prompt_hash"].get<std::string>().size(), 64u);
  const auto& mc = out["samples"]["mmlu"][0];
  EXPECT_EQ(mc["response"].size(), 4u);
  EXPECT_EQ(mc["response"][0]["continuation"], " A");
  EXPECT_EQ(mc["filtered"]["none"], "A");
}

TEST(Evaluator, LimitTakesFirstDocumentsPerSubtask) {
  const BbhTask bbh(bbh_config(BbhVariant::cot_fewshot), {fruit("alpha"), fruit("beta")});
  auto model = half_right_model(bbh);
  EvaluateOptions options;
  options.limit = 2;
  const auto out = evaluate(model, std::vector<const Task*>{&bbh}, options);
  const auto& r = out["results"]["bbh_cot_fewshot"];
  EXPECT_EQ(r["n"], 4);
  EXPECT_EQ(r["n_total"], 6);
  EXPECT_EQ(r["limit"], 2);
  EXPECT_EQ(out["samples"]["bbh_cot_fewshot"][2]["doc_id"], "beta/0");
  EXPECT_DOUBLE_EQ(r["metrics"]["exact_match,get-answer"]["value"].get<double>(), 0.5);
  options.log_samples = false;
  EXPECT_FALSE(evaluate(model, std::vector<const Task*>{&bbh}, options).contains("samples"));
}

TEST(Evaluator, RejectsBadInput) {
  const BbhTask bbh(bbh_config(BbhVariant::cot_fewshot), {fruit("alpha")});
  auto model = half_right_model(bbh);
  EXPECT_THROW(evaluate(model, std::vector<const Task*>{&bbh, &bbh}), std::invalid_argument);
  EXPECT_THROW(evaluate(model, std::vector<const Task*>{nullptr}), std::invalid_argument);

  class ShortModel : public CountingModel {
   public:
    using CountingModel::CountingModel;
    std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>&) override { return {}; }
  } short_model(model);
  EXPECT_THROW(evaluate(short_model, std::vector<const Task*>{&bbh}), std::runtime_error);
}

}  // namespace
}  // namespace engram::tasks

namespace engram::tasks {
namespace {

TEST(Evaluator, AGenerationCapIsAppliedAndChangesTheFingerprint) {
  const BbhTask bbh(bbh_config(BbhVariant::cot_fewshot), {fruit("alpha")});
  auto oracle = half_right_model(bbh);
  CountingModel model(oracle);
  const auto standard = evaluate(model, std::vector<const Task*>{&bbh});
  EXPECT_FALSE(standard["results"]["bbh_cot_fewshot"].contains("protocol_overrides"));
  EvaluateOptions capped;
  capped.max_new_tokens = 16;
  const auto quick = evaluate(model, std::vector<const Task*>{&bbh}, capped);
  const auto& result = quick["results"]["bbh_cot_fewshot"];
  EXPECT_EQ(result["protocol_overrides"]["max_new_tokens"], 16);
  EXPECT_NE(result["fingerprint"], standard["results"]["bbh_cot_fewshot"]["fingerprint"]);
}

// A model that cuts contexts longer than `limit` characters, as the engine cuts prompts longer than
// its window, and says so on the result.
class WindowedModel : public ForwardingModel {
 public:
  WindowedModel(LanguageModel& inner, size_t limit) : ForwardingModel(inner), limit_(limit) {}
  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests) override {
    auto results = ForwardingModel::loglikelihood(requests);
    for (size_t i = 0; i < requests.size(); ++i) results[i].prompt_truncated = requests[i].context.size() > limit_;
    return results;
  }
  std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& requests) override {
    auto results = ForwardingModel::generate_until(requests);
    for (size_t i = 0; i < requests.size(); ++i) results[i].prompt_truncated = requests[i].context.size() > limit_;
    return results;
  }

 private:
  size_t limit_;
};

TEST(Evaluator, PromptsCutToTheWindowAreCountedPerTaskSubtaskAndSample) {
  const BbhTask bbh(bbh_config(BbhVariant::cot_fewshot), {fruit("alpha"), fruit("beta")});
  const MmluTask mmlu(MmluTaskConfig{}, {subject("anatomy", 6), subject("philosophy", 4)});
  auto oracle = half_right_model(bbh);
  // The median context length: about half of each task's prompts are over it.
  std::vector<size_t> lengths;
  for (const Task* task : std::vector<const Task*>{&bbh, &mmlu}) {
    for (const auto& inst : task->instances(std::nullopt)) lengths.push_back(inst.context.size());
  }
  std::sort(lengths.begin(), lengths.end());
  const size_t limit = lengths[lengths.size() / 2];
  std::map<std::string, size_t> expected;  // subtask -> prompts over the limit
  size_t expected_bbh = 0, expected_mmlu = 0;
  for (const auto& inst : bbh.instances(std::nullopt)) {
    expected[inst.subtask] += inst.context.size() > limit;
    expected_bbh += inst.context.size() > limit;
  }
  for (const auto& inst : mmlu.instances(std::nullopt)) {
    expected[inst.subtask] += inst.context.size() > limit;
    expected_mmlu += inst.context.size() > limit;
  }
  ASSERT_GT(expected_bbh + expected_mmlu, 0u);
  ASSERT_LT(expected_bbh + expected_mmlu, lengths.size());

  WindowedModel model(oracle, limit);
  EvaluateOptions options;
  options.log_samples = true;
  const auto out = evaluate(model, std::vector<const Task*>{&bbh, &mmlu}, options);
  EXPECT_EQ(out["results"]["bbh_cot_fewshot"]["counts"]["truncated_prompts"], expected_bbh);
  EXPECT_EQ(out["results"]["mmlu"]["counts"]["truncated_prompts"], expected_mmlu);
  for (const char* task : {"bbh_cot_fewshot", "mmlu"}) {
    for (const auto& [subtask, result] : out["results"][task]["subtask_results"].items()) {
      EXPECT_EQ(result["counts"]["truncated_prompts"], expected[subtask]) << subtask;
    }
  }
  size_t flagged = 0;
  for (const char* task : {"bbh_cot_fewshot", "mmlu"}) {
    for (const auto& sample : out["samples"][task]) flagged += sample["flags"]["prompt_truncated"].get<bool>();
  }
  EXPECT_EQ(flagged, expected_bbh + expected_mmlu);
  // Nothing cut, nothing counted.
  const auto whole = evaluate(oracle, std::vector<const Task*>{&bbh, &mmlu});
  EXPECT_EQ(whole["results"]["mmlu"]["counts"]["truncated_prompts"], 0);
}

}  // namespace
}  // namespace engram::tasks
