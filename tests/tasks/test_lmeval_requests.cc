// Our requests against the ones lm-evaluation-harness builds from its own task configs on the same
// data (tests/data/protocols/, scripts/gen_lmeval_protocol_fixtures.py): the SHA-256 of every
// context (MMLU 14,042 items, BBH 6,511 items in each of 4 variants, HumanEval 164), the scored
// continuations or the generation settings, the few-shot samples, and the full text of item 0.
#include <gtest/gtest.h>

#include "lmeval_fixtures.h"
#include "tasks/bbh_task.h"
#include "tasks/mmlu_task.h"
#include "tasks/registry.h"
#include "tasks/sha256.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

using testing::datasets_dir;
using testing::lmeval_fixture;
using testing::Mismatches;
using testing::variant_named;

// lm-eval's generation kwargs (after normalize_gen_kwargs with HFLM's default budget) against ours.
void check_generation(const Instance& inst, const nlohmann::json& generation, Mismatches& m, const std::string& where) {
  const auto& effective = generation["effective"];
  m.check(inst.generation.stop, effective["until"].get<std::vector<std::string>>(), where + " until");
  m.check(inst.generation.max_new_tokens, effective["max_gen_toks"].get<int64_t>(), where + " max_gen_toks");
  m.check(inst.generation.greedy, !effective["do_sample"].get<bool>(), where + " greedy");
}

TEST(LmEvalRequests, MmluEveryItemAndTheDevShots) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "mmlu");
  const auto fixture = lmeval_fixture("mmlu_requests.json");
  const MmluTask task(MmluTaskConfig{}, load_mmlu(datasets_dir()));
  const auto& subjects = fixture["subjects"];
  Mismatches m;
  size_t items = 0;
  for (const auto& inst : task.instances(std::nullopt)) {
    const auto& s = subjects.at(inst.subtask);
    const std::string where = inst.doc_id;
    m.check(sha256_hex(inst.context), s["items"].at(inst.doc_index).get<std::string>(), where + " context");
    m.check(inst.continuations, s["continuations"].get<std::vector<std::string>>(), where + " continuations");
    m.check(inst.gold, s["gold"].at(inst.doc_index).get<size_t>(), where + " gold");
    if (inst.doc_index == 0) {
      EXPECT_EQ(inst.context, s["full"]["0"].get<std::string>()) << where;
    }
    ++items;
  }
  EXPECT_EQ(m.count(), 0u) << m.report();
  EXPECT_EQ(items, fixture["items"].get<size_t>());
  EXPECT_EQ(items, 14042u);
  EXPECT_EQ(subjects.size(), task.subtasks().size());
  // lm-eval's first_n sampler takes the dev split's first 5 rows, which is what our prefix holds.
  for (const auto& [subject, s] : subjects.items()) {
    EXPECT_EQ(s["fewshot_dev_rows"], nlohmann::json({0, 1, 2, 3, 4})) << subject;
  }
}

// The fixed exemplars lm-eval's YAML lists against the ones we read from the prompt files.
void check_fewshot_samples(const BbhTask& task, const BbhSubtaskData& data, const nlohmann::json& expected,
                           Mismatches& m) {
  const auto& samples = expected["fewshot_samples"];
  m.check(task.config().num_fewshot, expected["num_fewshot"].get<size_t>(), data.name + " num_fewshot");
  if (samples.empty()) return;
  for (size_t i = 0; i < samples.size() && i < data.prompt.exemplars.size(); ++i) {
    const auto& ex = data.prompt.exemplars[i];
    const std::string where = data.name + " exemplar " + std::to_string(i);
    m.check(ex.input, samples[i]["input"].get<std::string>(), where + " input");
    m.check(task.config().cot_exemplars ? ex.reasoning : ex.answer, samples[i]["target"].get<std::string>(),
            where + " target");
  }
}

TEST(LmEvalRequests, BbhEveryItemInFourVariants) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "bbh");
  const auto fixture = lmeval_fixture("bbh_requests.json");
  const auto data = load_bbh(datasets_dir());
  ASSERT_EQ(fixture["variants"].size(), 4u);
  for (const auto& [variant, expected] : fixture["variants"].items()) {
    const BbhTask task(bbh_config(variant_named(variant)), data);
    const auto& subtasks = expected["subtasks"];
    ASSERT_EQ(subtasks.size(), task.subtasks().size()) << variant;
    Mismatches m;
    size_t items = 0;
    for (const auto& inst : task.instances(std::nullopt)) {
      const auto& s = subtasks.at(inst.subtask);
      const std::string where = variant + " " + inst.doc_id;
      m.check(sha256_hex(inst.context), s["items"].at(inst.doc_index).get<std::string>(), where + " context");
      check_generation(inst, s["generation"], m, where);
      if (inst.doc_index == 0) {
        EXPECT_EQ(inst.context, s["full"]["0"].get<std::string>()) << where;
      }
      ++items;
    }
    for (const auto& d : data) check_fewshot_samples(task, d, subtasks.at(d.name), m);
    EXPECT_EQ(m.count(), 0u) << variant << ", " << m.count() << " of " << m.compared() << " differ:\n" << m.report();
    EXPECT_EQ(items, 6511u) << variant;
    // The group's headline is the filter lm-eval aggregates (bbh_fewshot names none: its only one).
    const auto aggregated = expected["aggregated_filter"].at(0);
    EXPECT_EQ(task.primary_filter(), aggregated.is_null() ? "none" : aggregated.get<std::string>()) << variant;
  }
}

TEST(LmEvalRequests, HumanEvalEveryProblem) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "humaneval");
  const auto fixture = lmeval_fixture("humaneval_requests.json");
  TaskOptions options;
  options.data_dir = datasets_dir();
  const auto task = TaskRegistry::builtin().create("humaneval", options);
  const auto instances = task->instances(std::nullopt);
  ASSERT_EQ(instances.size(), fixture["items"].size());
  Mismatches m;
  for (const auto& inst : instances) {
    m.check(inst.doc_id, fixture["task_ids"].at(inst.doc_index).get<std::string>(), inst.doc_id + " task_id");
    m.check(sha256_hex(inst.context), fixture["items"].at(inst.doc_index).get<std::string>(), inst.doc_id + " context");
    check_generation(inst, fixture["generation"], m, inst.doc_id);
  }
  EXPECT_EQ(m.count(), 0u) << m.report();
  for (const auto& [index, text] : fixture["full"].items()) {
    EXPECT_EQ(instances.at(std::stoul(index)).context, text.get<std::string>()) << "HumanEval item " << index;
  }
  EXPECT_EQ(fixture["repeats"], 1);
}

}  // namespace
}  // namespace engram::tasks
