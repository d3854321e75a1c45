// The registry: names, spec parsing, subtask selection and its errors (no data needed).
#include <gtest/gtest.h>

#include "tasks/bbh_data.h"
#include "tasks/data_error.h"
#include "tasks/mmlu_data.h"
#include "tasks/registry.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

TEST(Registry, BuiltinNames) {
  const auto& r = TaskRegistry::builtin();
  for (const char* name : {"bbh_cot_fewshot", "bbh_fewshot", "bbh_zeroshot", "bbh_cot_zeroshot", "mmlu", "humaneval",
                           "ruler", "ruler_jsonl", "bbh"}) {
    EXPECT_TRUE(r.contains(name)) << name;
  }
  EXPECT_EQ(r.list().size(), 9u);
  EXPECT_FALSE(r.contains("hellaswag"));
}

TEST(Registry, SpecParsing) {
  auto s = parse_task_spec("bbh_cot_fewshot:date_understanding");
  EXPECT_EQ(s.name, "bbh_cot_fewshot");
  EXPECT_EQ(s.selection, (std::vector<std::string>{"date_understanding"}));
  s = parse_task_spec(" mmlu:stem+philosophy ");
  EXPECT_EQ(s.name, "mmlu");
  EXPECT_EQ(s.selection, (std::vector<std::string>{"stem", "philosophy"}));
  EXPECT_TRUE(parse_task_spec("mmlu").selection.empty());
  const auto list = parse_task_list("bbh,mmlu:stem,bbh_fewshot:navigate+snarks");
  ASSERT_EQ(list.size(), 3u);
  EXPECT_EQ(list[2].selection.size(), 2u);
  EXPECT_THROW(parse_task_spec(":x"), std::invalid_argument);
  EXPECT_THROW(parse_task_spec("mmlu:stem+"), std::invalid_argument);
  EXPECT_THROW(parse_task_list(" , "), std::invalid_argument);
}

TEST(Registry, SelectionExpandsGroupsInCanonicalOrder) {
  std::map<std::string, std::vector<std::string>> groups;
  for (const auto& c : mmlu_categories()) groups[c.name] = c.subjects;
  const auto stem = select_subtasks("mmlu", {"stem"}, mmlu_subjects(), groups);
  EXPECT_EQ(stem.size(), 19u);
  const auto mixed = select_subtasks("mmlu", {"virology", "anatomy", "anatomy"}, mmlu_subjects(), groups);
  EXPECT_EQ(mixed, (std::vector<std::string>{"anatomy", "virology"}));
  EXPECT_EQ(select_subtasks("bbh", {}, bbh_subtask_names()).size(), 27u);
}

TEST(Registry, UnknownNamesListWhatExists) {
  TaskOptions o;
  o.data_dir = "/nonexistent";
  try {
    TaskRegistry::builtin().create("bbh_cot", o);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("bbh_cot_fewshot"), std::string::npos) << e.what();
  }
  try {
    TaskRegistry::builtin().create("bbh_fewshot:date_understand", o);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("date_understanding"), std::string::npos) << e.what();
  }
  try {
    TaskRegistry::builtin().create("mmlu:science", o);
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("social_sciences"), std::string::npos) << e.what();
  }
}

TEST(Registry, OptionsAreChecked) {
  TaskOptions o;
  o.data_dir = "/nonexistent";
  o.mmlu.num_fewshot = 2;
  EXPECT_THROW(TaskRegistry::builtin().create("bbh", o), std::invalid_argument);
  o.mmlu.num_fewshot = 6;
  EXPECT_THROW(TaskRegistry::builtin().create("mmlu", o), std::invalid_argument);
  o.mmlu.num_fewshot.reset();
  EXPECT_THROW(TaskRegistry::builtin().create("mmlu:anatomy", o), DataMissingError);
}

TEST(Registry, CustomTasks) {
  TaskRegistry r;
  r.add("mine", "a test task", [](const TaskOptions&) -> std::unique_ptr<Task> { return nullptr; });
  EXPECT_THROW(r.add("mine", "again", nullptr), std::invalid_argument);
  r.alias("m", "mine");
  EXPECT_THROW(r.alias("x", "absent"), std::invalid_argument);
  EXPECT_EQ(r.list()[0].first, "m");
  EXPECT_EQ(r.create("m", {}), nullptr);
}

}  // namespace
}  // namespace engram::tasks
