// BBH zero-shot chain of thought (lm-eval bbh_cot_zeroshot) and the flexible-extract filters:
// the prompt and settings, each extractor on hand-written responses, and the validations over the
// shared data (gold answers written as a model would score 100%, wrong letters 0%).
#include <gtest/gtest.h>

#include <map>
#include <regex>

#include "tasks/bbh_task.h"
#include "tasks/evaluator.h"
#include "tasks/registry.h"
#include "tasks/replay_model.h"
#include "tasks/sha256.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

using testing::datasets_dir;

const std::vector<BbhSubtaskData>& shared_bbh() {
  static const std::vector<BbhSubtaskData> data = load_bbh(datasets_dir());
  return data;
}

// A wrong answer of the same form as the target, which no extractor can turn into the target.
std::string wrong_answer(const std::string& target) {
  static const std::map<std::string, std::string> flips = {
      {"Yes", "No"}, {"No", "Yes"}, {"yes", "no"}, {"no", "yes"}, {"True", "False"}, {"False", "True"},
      {"valid", "invalid"}, {"invalid", "valid"}};
  if (auto it = flips.find(target); it != flips.end()) return it->second;
  if (target.size() == 3 && target[0] == '(' && target[2] == ')') {
    return std::string("(") + (target[1] == 'A' ? 'B' : 'A') + ")";
  }
  if (std::regex_match(target, std::regex("-?[0-9]+"))) return std::to_string(std::stoll(target) + 1);
  return "";  // word_sorting, dyck_languages and free-text options: an empty final answer
}

ReplayModel replay(const std::vector<Instance>& instances, const std::function<std::string(const Instance&)>& respond) {
  ReplayModel model;
  for (const auto& inst : instances) {
    GenerationResult r;
    r.text = respond(inst);
    model.add_generation(sha256_hex(inst.context), r);
  }
  return model;
}

double subtask_value(const nlohmann::json& out, const std::string& subtask, const std::string& key) {
  return out["results"]["bbh_cot_zeroshot"]["subtask_results"][subtask]["metrics"][key]["value"].get<double>();
}

TEST(BbhCotZeroshot, PromptAndSettingsAreLmEvals) {
  BbhSubtaskData d;
  d.name = "date_understanding";
  d.prompt.description = "Infer the date from context.";
  d.examples = {{"What day is it?\nOptions:\n(A) Monday\n(B) Friday", "(B)"}};
  const BbhTask task(bbh_config(BbhVariant::cot_zeroshot), {d});
  EXPECT_EQ(task.render_prompt("date_understanding", "What day is it?"),
            "Infer the date from context.\n\nQ: What day is it?\nA: Let's think step by step.");
  const auto config = task.config();
  EXPECT_EQ(config.until, (std::vector<std::string>{"</s>", "Q:", "<|im_end|>"}));
  EXPECT_EQ(config.max_gen_toks, 256);
  EXPECT_TRUE(config.exact_match.ignore_case);
  const auto metrics = task.metrics();
  ASSERT_EQ(metrics.size(), 2u);
  EXPECT_EQ(metrics[0].key(), "exact_match,flexible-extract");
  EXPECT_TRUE(metrics[0].primary);
  EXPECT_EQ(metrics[1].key(), "exact_match,strict-match");
  EXPECT_EQ(task.subtask_protocol("date_understanding")["flexible_extract"]["steps"][0]["function"],
            "MultiChoiceRegexFilter");
}

TEST(BbhCotZeroshot, FlexibleExtractors) {
  const std::string options = "Which?\nOptions:\n(A) Rome, Italy\n(B) Paris\n(C) Oslo";
  const auto mc = bbh_flexible_extract("date_understanding", -1);
  EXPECT_EQ(mc.apply("Not (A) but rather (C). So (B) it is.", options).text, "(B)");  // the last letter
  EXPECT_EQ(mc.apply("I pick rome italy, no wait: oslo", options).text, "(C)");     // option text
  EXPECT_EQ(mc.apply("Final choice: B", options).text, "(B)");                       // ": X"
  const auto none = mc.apply("No idea.", options);
  EXPECT_EQ(none.text, "[invalid]");
  EXPECT_TRUE(none.fell_back);

  EXPECT_EQ(bbh_flexible_extract("boolean_expressions", -1).apply("True and False is False", "").text, "False");
  EXPECT_EQ(bbh_flexible_extract("boolean_expressions", 0).apply("True and False is False", "").text, "True");
  EXPECT_EQ(bbh_flexible_extract("formal_fallacies", -1).apply("It is invalid. Hence valid.", "").text, "valid");
  EXPECT_EQ(bbh_flexible_extract("object_counting", -1).apply("3 + 4 = 7 objects.", "").text, "7");
  EXPECT_EQ(bbh_flexible_extract("multistep_arithmetic_two", -1).apply("So the answer is -29.", "").text, "-29");
  const auto sports = bbh_flexible_extract("sports_understanding", -1);
  EXPECT_EQ(sports.apply("This is Plausible.", "").text, "yes");
  EXPECT_EQ(sports.apply("It is not plausible.", "").text, "no");
  EXPECT_EQ(bbh_flexible_extract("dyck_languages", -1).apply("So the answer is ] } ).", "").text, "] } )");
  const auto sort = bbh_flexible_extract("word_sorting", -1);
  EXPECT_EQ(sort.apply("pear before apple; sorted: apple pear zebra.", "Sort: List: zebra apple pear").text,
            "apple pear zebra");
}

TEST(BbhCotZeroshot, GoldScores100AndWrongLetters0OnAll27) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const BbhTask task(bbh_config(BbhVariant::cot_zeroshot), shared_bbh());
  const auto instances = task.instances(std::nullopt);
  auto gold = replay(instances, [](const Instance& inst) {
    return " Working through the question carefully. So the answer is " + inst.target + ".";
  });
  const auto good = evaluate(gold, std::vector<const Task*>{&task});
  const auto& r = good["results"]["bbh_cot_zeroshot"];
  EXPECT_EQ(r["n"], 6511);
  EXPECT_EQ(r["primary_metric"], "exact_match,flexible-extract");
  EXPECT_EQ(r["metrics"]["exact_match,strict-match"]["value"].get<double>(), 1.0);
  // flexible-extract maps an option's text to its letter, so the few upstream rows whose target is
  // the option text instead of "(X)" (movie_recommendation, ruin_names; MANIFEST.md) cannot match
  // under lm-eval's filter: a perfect model scores exactly the share of letter targets there.
  const std::regex letter("\\([A-Z]\\)");
  size_t free_text_rows = 0;
  for (const auto& d : shared_bbh()) {
    size_t letters = 0;
    for (const auto& ex : d.examples) letters += std::regex_match(ex.target, letter) ? 1 : 0;
    const bool multiple_choice = letters * 2 > d.examples.size();
    const double expected = multiple_choice ? static_cast<double>(letters) / d.examples.size() : 1.0;
    if (multiple_choice) free_text_rows += d.examples.size() - letters;
    EXPECT_EQ(subtask_value(good, d.name, "exact_match,strict-match"), 1.0) << d.name;
    EXPECT_EQ(subtask_value(good, d.name, "exact_match,flexible-extract"), expected) << d.name;
  }
  EXPECT_EQ(free_text_rows, 3u);  // one in movie_recommendation, two in ruin_names
  EXPECT_EQ(r["counts"]["unparseable"], 0);

  auto wrong = replay(instances, [](const Instance& inst) {
    return " Working through the question carefully. So the answer is " + wrong_answer(inst.target) + ".";
  });
  const auto bad = evaluate(wrong, std::vector<const Task*>{&task});
  for (const auto& name : bbh_subtask_names()) {
    EXPECT_EQ(subtask_value(bad, name, "exact_match,strict-match"), 0.0) << name;
    EXPECT_EQ(subtask_value(bad, name, "exact_match,flexible-extract"), 0.0) << name;
  }
}

TEST(BbhCotZeroshot, RegisteredWithZeroshotFlexibleExtract) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  TaskOptions options;
  options.data_dir = datasets_dir();
  const auto cot = TaskRegistry::builtin().create("bbh_cot_zeroshot:navigate", options);
  EXPECT_EQ(cot->name(), "bbh_cot_zeroshot");
  EXPECT_EQ(cot->subtasks(), (std::vector<std::string>{"navigate"}));
  // bbh_zeroshot reports lm-eval's flexible-extract (first match; the headline, as lm-eval's group
  // aggregates it) beside its raw comparison (strict-match).
  const auto zeroshot = TaskRegistry::builtin().create("bbh_zeroshot:date_understanding", options);
  auto bare = replay(zeroshot->instances(std::nullopt), [](const Instance& inst) { return " " + inst.target; });
  const auto out = evaluate(bare, std::vector<const Task*>{zeroshot.get()});
  const auto& m = out["results"]["bbh_zeroshot"]["metrics"];
  // Each sample keeps the raw response and every filter's answer, so a filter change can be
  // rescored and compared item by item.
  const auto& sample = out["samples"]["bbh_zeroshot"].at(0);
  EXPECT_EQ(sample["response"], " " + sample["target"].get<std::string>());
  EXPECT_EQ(sample["filtered"]["strict-match"], sample["response"]);
  EXPECT_EQ(sample["filtered"]["strip"], sample["target"]);
  EXPECT_EQ(sample["filtered"]["flexible-extract"], sample["target"]);
  EXPECT_EQ(m["exact_match,flexible-extract"]["value"].get<double>(), 1.0);
  EXPECT_EQ(out["results"]["bbh_zeroshot"]["primary_metric"], "exact_match,flexible-extract");
  EXPECT_EQ(out["results"]["bbh_zeroshot"]["version"], "2");
}

}  // namespace
}  // namespace engram::tasks
