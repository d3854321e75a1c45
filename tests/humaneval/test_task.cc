// HumanEval through the task framework, as `engram-bench eval --tasks humaneval` runs it: a replay
// model answers with the canonical solutions (pass@1 = 1.0 on all 164) or with nothing (0.0).
#include <gtest/gtest.h>

#include "he_support.h"
#include "tasks/data_error.h"
#include "tasks/evaluator.h"
#include "tasks/humaneval/humaneval_task.h"
#include "tasks/replay_model.h"
#include "tasks/sha256.h"

namespace engram::tasks::humaneval {
namespace {

namespace th = engram::testing::humaneval;

std::unique_ptr<Task> task() {
  TaskOptions options;
  options.data_dir = testing::shared_dir() / "datasets";
  return make_humaneval_task(options, options.humaneval);
}

TEST(HumanEvalTask, CanonicalSolutionsScoreOneAndEmptyCompletionsZero) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  const auto humaneval = task();
  EXPECT_EQ(humaneval->subtask_size("humaneval"), 164u);
  ReplayModel canonical, empty;
  for (const Problem& p : th::problems()) {
    GenerationResult answer;
    answer.text = p.canonical_solution + "\nprint('past the stop string')";  // cut at "\nprint"
    answer.hit_stop = true;
    canonical.add_generation(engram::tasks::sha256_hex(p.prompt), answer);
    empty.add_generation(engram::tasks::sha256_hex(p.prompt), GenerationResult{});
  }
  std::vector<const Task*> tasks{humaneval.get()};
  const auto good = evaluate(canonical, tasks);
  const auto& metric = good["results"]["humaneval"]["metrics"]["pass@1,create_test"];
  EXPECT_EQ(metric["value"].get<double>(), 1.0) << good["results"]["humaneval"].dump();
  EXPECT_EQ(metric["n"].get<int64_t>(), 164);
  EXPECT_EQ(good["samples"]["humaneval"][0]["response"]["samples"][0]["execution"]["status"], "passed");
  EvaluateOptions first_ten;
  first_ten.limit = 10;
  const auto bad = evaluate(empty, tasks, first_ten);
  EXPECT_EQ(bad["results"]["humaneval"]["metrics"]["pass@1,create_test"]["value"].get<double>(), 0.0);
  EXPECT_EQ(bad["results"]["humaneval"]["n"].get<int64_t>(), 10);
}

TEST(HumanEvalTask, ProtocolAndErrors) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  const auto humaneval = task();
  const auto instances = humaneval->instances(3);
  ASSERT_EQ(instances.size(), 3u);
  EXPECT_EQ(instances[0].generation.stop, stop_strings());
  EXPECT_TRUE(instances[0].generation.greedy);
  EXPECT_EQ(humaneval->fingerprint().size(), 64u);
  TaskOptions missing;
  missing.data_dir = "/nonexistent";
  EXPECT_THROW(make_humaneval_task(missing, missing.humaneval), DataMissingError);
}

}  // namespace
}  // namespace engram::tasks::humaneval
