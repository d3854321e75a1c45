// Protocol fingerprints: the same configuration gives the same hash however it is built; changing
// the template, stop strings, extraction, few-shot data, metric or version changes it.
#include <gtest/gtest.h>

#include "tasks/bbh_task.h"
#include "tasks/fingerprint.h"
#include "tasks/mmlu_task.h"
#include "tasks/sha256.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

BbhSubtaskData fruit() {
  BbhSubtaskData d;
  d.name = "fruit";
  d.prompt = parse_cot_prompt(testing::synthetic_cot_prompt(), "fruit.txt");
  d.examples = parse_bbh_json(testing::synthetic_bbh_json(), "fruit.json");
  return d;
}

std::string bbh_fp(const BbhTaskConfig& c) { return BbhTask(c, {fruit()}).fingerprint(); }

TEST(Fingerprint, CanonicalJsonIsSortedAndHashed) {
  nlohmann::json a;
  a["zeta"] = 1;
  a["alpha"] = {{"y", "\u00e9"}, {"x", true}};
  EXPECT_EQ(canonical_json(a), "{\"alpha\":{\"x\":true,\"y\":\"\\u00e9\"},\"zeta\":1}");
  EXPECT_EQ(fingerprint_of(a), sha256_hex(canonical_json(a)));
  nlohmann::json b = {{"alpha", {{"x", true}, {"y", "\u00e9"}}}, {"zeta", 1}};
  EXPECT_EQ(fingerprint_of(a), fingerprint_of(b));
}

TEST(Fingerprint, SameConfigSameHash) {
  const auto fp = bbh_fp(bbh_config(BbhVariant::cot_fewshot));
  EXPECT_EQ(fp.size(), 64u);
  EXPECT_EQ(fp, bbh_fp(bbh_config(BbhVariant::cot_fewshot)));
  EXPECT_EQ(BbhTask(bbh_config(BbhVariant::cot_fewshot), {fruit()}).subtask_fingerprint("fruit"),
            BbhTask(bbh_config(BbhVariant::cot_fewshot), {fruit()}).subtask_fingerprint("fruit"));
}

TEST(Fingerprint, VariantsDiffer) {
  EXPECT_NE(bbh_fp(bbh_config(BbhVariant::cot_fewshot)), bbh_fp(bbh_config(BbhVariant::fewshot)));
  EXPECT_NE(bbh_fp(bbh_config(BbhVariant::fewshot)), bbh_fp(bbh_config(BbhVariant::zeroshot)));
}

TEST(Fingerprint, EachProtocolPartMovesTheHash) {
  const auto base_config = bbh_config(BbhVariant::cot_fewshot);
  const auto base = bbh_fp(base_config);

  auto c = base_config;
  c.query_suffix = "\nA: Let's think step by step.";  // the original paper's template (no newline)
  EXPECT_NE(bbh_fp(c), base);

  c = base_config;
  c.until = {"</s>", "Q:", "\n\n"};  // a "fixed" stop string
  EXPECT_NE(bbh_fp(c), base);

  c = base_config;
  c.max_gen_toks = 512;
  EXPECT_NE(bbh_fp(c), base);

  c = base_config;
  c.filters = {AnswerFilter("get-answer").regex("(?<=answer is )(.*)(?=.)").take_first()};
  EXPECT_NE(bbh_fp(c), base);

  c = base_config;
  c.exact_match.ignore_case = true;
  EXPECT_NE(bbh_fp(c), base);

  c = base_config;
  c.num_fewshot = 2;
  EXPECT_NE(bbh_fp(c), base);

  c = base_config;
  c.version = "2";
  EXPECT_NE(bbh_fp(c), base);

  // Same protocol, different few-shot text in the prompt file.
  auto edited = fruit();
  edited.prompt.exemplars[0].reasoning += " ";
  EXPECT_NE(BbhTask(base_config, {edited}).fingerprint(), base);
  // Test documents are not part of the protocol.
  auto fewer = fruit();
  fewer.examples.pop_back();
  EXPECT_EQ(BbhTask(base_config, {fewer}).fingerprint(), base);
}

TEST(Fingerprint, MmluTemplateAndShots) {
  MmluSubjectData d;
  d.subject = "anatomy";
  for (int i = 0; i < 5; ++i) {
    MmluQuestion q;
    q.question = "q" + std::to_string(i);
    for (auto& c : q.choices) c = "c";
    d.dev.questions.push_back(q);
    d.test.questions.push_back(q);
  }
  const auto base = MmluTask(MmluTaskConfig{}, {d}).fingerprint();
  EXPECT_EQ(base, MmluTask(MmluTaskConfig{}, {d}).fingerprint());
  MmluTaskConfig hendrycks;
  hendrycks.description_template = "The following are multiple choice questions (with answers) about  {subject}.\n\n";
  EXPECT_NE(MmluTask(hendrycks, {d}).fingerprint(), base);
  MmluTaskConfig four;
  four.num_fewshot = 4;
  EXPECT_NE(MmluTask(four, {d}).fingerprint(), base);
  MmluTaskConfig delimiter;
  delimiter.target_delimiter = "";
  EXPECT_NE(MmluTask(delimiter, {d}).fingerprint(), base);
}

}  // namespace
}  // namespace engram::tasks
