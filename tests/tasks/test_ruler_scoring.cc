// RULER's metrics and prediction clean-up, and the pieces of generation that need no tokenizer.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "tasks/ruler/ruler_instances.h"
#include "tasks/ruler/ruler_scoring.h"
#include "tasks/ruler/ruler_task_specs.h"
#include "tasks/ruler/sample_generator.h"

namespace engram::tasks::ruler {
namespace {

TEST(RulerScoring, PostprocessStripsAndTurnsControlCharactersIntoNewlines) {
  EXPECT_EQ(postprocess_prediction("  a\tb\x01" "c \n"), "a\nb\nc");
  EXPECT_EQ(postprocess_prediction(" \n\t "), "");
}

TEST(RulerScoring, MatchAllIsTheShareOfReferencesFoundIgnoringCase) {
  EXPECT_DOUBLE_EQ(string_match_all("The numbers are 123 and ABC-def.", {"123", "abc-DEF", "999", "777"}), 0.5);
  EXPECT_DOUBLE_EQ(string_match_all("", {"1"}), 0.0);
  EXPECT_DOUBLE_EQ(string_match_all("x 1 2", {"1", "2"}), 1.0);
}

TEST(RulerScoring, MatchPartNeedsAnyOneReference) {
  EXPECT_DOUBLE_EQ(string_match_part("it was in PARIS", {"London", "paris"}), 1.0);
  EXPECT_DOUBLE_EQ(string_match_part("it was in Rome", {"London", "paris"}), 0.0);
}

TEST(RulerScoring, ResponsesScoreByTheTasksMetric) {
  const Instance inst = ruler_instance("qa_1@4096", 0, "prompt", {"a b", "zzz"}, 32);
  EXPECT_EQ(inst.generation.max_new_tokens, 32);
  EXPECT_TRUE(inst.generation.stop.empty());
  InstanceResponse response;
  response.generation.text = " A B\x02";
  auto part = score_ruler_response(inst, response, MatchMetric::part);
  EXPECT_DOUBLE_EQ(part.metrics.at(0).value, 1.0);
  EXPECT_EQ(part.filtered.at(0).second, "A B");
  auto all = score_ruler_response(inst, response, MatchMetric::all);
  EXPECT_DOUBLE_EQ(all.metrics.at(0).value, 0.5);
  response.generation.text = "   ";
  EXPECT_TRUE(score_ruler_response(inst, response, MatchMetric::all).unparseable);
}

TEST(RulerSpecs, ThirteenTasksInEightCategoriesWithRulersBudgets) {
  ASSERT_EQ(ruler_task_specs().size(), 13u);
  size_t grouped = 0;
  for (const auto& c : ruler_categories()) grouped += c.tasks.size();
  EXPECT_EQ(grouped, 13u);
  EXPECT_EQ(ruler_categories().size(), 8u);
  EXPECT_EQ(find_ruler_task("niah_multiquery")->num_keys, 4);
  EXPECT_EQ(find_ruler_task("vt")->family_template().tokens_to_generate, 30);
  EXPECT_EQ(find_ruler_task("cwe")->family_template().tokens_to_generate, 120);
  EXPECT_EQ(find_ruler_task("fwe")->family_template().tokens_to_generate, 50);
  EXPECT_EQ(find_ruler_task("qa_2")->family_template().metric, MatchMetric::part);
  EXPECT_FALSE(find_ruler_task("niah"));
}

TEST(RulerGroups, CategoriesLengthsAndBoth) {
  const auto groups = ruler_groups({"niah_single_1@1024", "vt@1024", "niah_single_1@2048"});
  std::map<std::string, std::vector<std::string>> by_name;
  for (const auto& g : groups) by_name[g.name] = g.subtasks;
  EXPECT_EQ(by_name["S"], (std::vector<std::string>{"niah_single_1@1024", "niah_single_1@2048"}));
  EXPECT_EQ(by_name["S@2048"], (std::vector<std::string>{"niah_single_1@2048"}));
  // Two of the 13 tasks: the per-length average is not named "all".
  EXPECT_EQ(by_name["selected@1024"], (std::vector<std::string>{"niah_single_1@1024", "vt@1024"}));
  EXPECT_FALSE(by_name.count("all@1024"));
  EXPECT_FALSE(by_name.count("MK"));
}

TEST(RulerGroups, PerLengthNameSaysWhetherQaIsIn) {
  std::vector<std::string> all, without_qa;
  for (const auto& task : ruler_task_names()) {
    all.push_back(task + "@4096");
    if (task != "qa_1" && task != "qa_2") without_qa.push_back(task + "@4096");
  }
  auto names = [](const std::vector<std::string>& subtasks) {
    std::set<std::string> out;
    for (const auto& g : ruler_groups(subtasks)) out.insert(g.name);
    return out;
  };
  EXPECT_TRUE(names(all).count("all@4096"));
  EXPECT_TRUE(names(without_qa).count("all_without_qa@4096"));
  EXPECT_FALSE(names(without_qa).count("all@4096"));
}

TEST(RulerTemplates, FillIsOnePassAndLeavesUnknownFields) {
  EXPECT_EQ(fill_template("{a} {b} {c}", {{"a", "{b}"}, {"b", "x"}}), "{b} x {c}");
}

TEST(RulerTemplates, AnswerPrefixSplitsAtItsLastOccurrence) {
  // Upstream finds the prefix by its first 10 characters, searching from the end.
  const auto sample = split_answer_prefix("Q: x Answer: no\nQ: y Answer:", " Answer:", {"a"});
  EXPECT_EQ(sample.input, "Q: x Answer: no\nQ: y");
  EXPECT_EQ(sample.answer_prefix, " Answer:");
  EXPECT_EQ(replace_all("are are", "are", "is are"), "is are is are");  // no rescanning, as str.replace
}

}  // namespace
}  // namespace engram::tasks::ruler
