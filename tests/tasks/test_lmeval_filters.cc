// Our BBH answer filters against lm-evaluation-harness's own (tests/data/protocols/bbh_filters.json,
// scripts/gen_lmeval_protocol_fixtures.py): for every variant, subtask and model-like answer of the
// corpus (gold, wrong, CoT endings, number words, "tells the truth", option text, no answer...),
// each lm-eval filter's output and lm-eval's exact_match of it must equal ours.
#include <gtest/gtest.h>

#include <map>

#include "lmeval_fixtures.h"
#include "tasks/bbh_task.h"
#include "tasks_test_util.h"

namespace engram::tasks::testing {
namespace {

struct Scored {
  std::map<std::string, std::string> outputs;
  std::map<std::string, double> exact_match;
};

Scored score(const BbhTask& task, const Instance& inst, const std::string& response) {
  InstanceResponse r;
  r.generation.text = response;
  const SampleRecord record = task.score(inst, r);
  Scored out;
  for (const auto& [filter, answer] : record.filtered) out.outputs[filter] = answer;
  for (const auto& metric : record.metrics) out.exact_match[metric.filter] = metric.value;
  return out;
}

// One variant's filters on the whole corpus; returns how many answers lm-eval could not filter
// (word2number raised, which aborts an lm-eval run; ours falls back to "[invalid]").
size_t check_variant(const std::string& variant, const nlohmann::json& outputs, const nlohmann::json& corpus,
                     const std::vector<BbhSubtaskData>& data, Mismatches& m) {
  const BbhTask task(bbh_config(variant_named(variant)), data);
  std::map<std::string, Instance> by_doc;
  for (auto& inst : task.instances(std::nullopt)) by_doc.emplace(inst.doc_id, std::move(inst));
  size_t raised = 0;
  for (const auto& [subtask, answers] : corpus.items()) {
    const auto& expected = outputs.at(subtask);
    for (size_t i = 0; i < answers.size(); ++i) {
      const std::string response = answers[i]["response"];
      const Instance& inst = by_doc.at(subtask + "/" + std::to_string(answers[i]["doc"].get<size_t>()));
      const Scored ours = score(task, inst, response);
      for (const auto& [filter, upstream] : expected[i].items()) {
        const std::string where = variant + " " + inst.doc_id + " " + filter + " on " + nlohmann::json(response).dump();
        if (!ours.outputs.count(filter)) {
          m.check(std::string("(no such filter)"), filter, where);
          continue;
        }
        if (upstream.contains("error")) {
          ++raised;
          m.check(ours.outputs.at(filter), std::string("[invalid]"), where + " (lm-eval raised)");
          continue;
        }
        m.check(ours.outputs.at(filter), upstream["output"].get<std::string>(), where);
        m.check(ours.exact_match.at(filter), upstream["exact_match"].get<double>(), where + " exact_match");
      }
    }
  }
  return raised;
}

TEST(LmEvalFilters, EveryVariantOnTheAnswerCorpus) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const auto fixture = lmeval_fixture("bbh_filters.json");
  const auto data = load_bbh(datasets_dir());
  ASSERT_EQ(fixture["outputs"].size(), 4u);
  ASSERT_EQ(fixture["corpus"].size(), 27u);
  std::map<std::string, size_t> raised;
  for (const auto& [variant, outputs] : fixture["outputs"].items()) {
    Mismatches m;
    raised[variant] = check_variant(variant, outputs, fixture["corpus"], data, m);
    EXPECT_GT(m.compared(), 1000u) << variant;
    EXPECT_EQ(m.count(), 0u) << variant << ", " << m.count() << " of " << m.compared() << " differ:\n" << m.report();
  }
  // word2number raises on "one thousand two thousand", "a trillion" and "thousand five"
  // (object_counting, 3 documents each) in the two variants with flexible-extract; nowhere else.
  EXPECT_EQ(raised, (std::map<std::string, size_t>{
                        {"bbh_cot_fewshot", 0}, {"bbh_fewshot", 0}, {"bbh_zeroshot", 9}, {"bbh_cot_zeroshot", 9}}));
}

}  // namespace
}  // namespace engram::tasks::testing
