// The thread count from the CPUs a process may use (affinity, cgroup v1/v2 quota, OMP_NUM_THREADS),
// and engram-bench starting its OpenMP threads with a passive wait unless the user chose one.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "harness/thread_policy.h"
#include "test_support.h"

namespace engram::harness {
namespace {

TEST(ThreadPolicy, ReadsCgroupQuotas) {
  EXPECT_FALSE(cgroup_v2_cpus("max 100000\n"));
  EXPECT_DOUBLE_EQ(*cgroup_v2_cpus("150000 100000\n"), 1.5);
  EXPECT_DOUBLE_EQ(*cgroup_v2_cpus("400000 100000"), 4.0);
  EXPECT_FALSE(cgroup_v2_cpus(""));
  EXPECT_FALSE(cgroup_v1_cpus("-1\n", "100000\n"));
  EXPECT_DOUBLE_EQ(*cgroup_v1_cpus("200000\n", "100000\n"), 2.0);
}

TEST(ThreadPolicy, TheTightestLimitWins) {
  const ThreadPolicy by_quota = choose_threads(8, CpuQuota{1.5, "cgroup v2 cpu.max"}, nullptr);
  EXPECT_EQ(by_quota.threads, 2);  // 1.5 CPUs of time: two threads, each busy three quarters of it
  EXPECT_EQ(by_quota.threads_source, "cgroup v2 cpu.max");
  const ThreadPolicy by_affinity = choose_threads(2, CpuQuota{4.0, "cgroup v1 cfs quota"}, nullptr);
  EXPECT_EQ(by_affinity.threads, 2);
  EXPECT_EQ(by_affinity.threads_source, "affinity");
  EXPECT_EQ(choose_threads(3, std::nullopt, nullptr).threads, 3);
  EXPECT_EQ(choose_threads(8, CpuQuota{0.2, "cgroup v2 cpu.max"}, nullptr).threads, 1);
}

TEST(ThreadPolicy, TheUsersOmpNumThreadsWins) {
  const ThreadPolicy policy = choose_threads(2, CpuQuota{1.0, "cgroup v2 cpu.max"}, "6");
  EXPECT_EQ(policy.threads, 6);
  EXPECT_EQ(policy.threads_source, "OMP_NUM_THREADS");
  EXPECT_EQ(choose_threads(2, std::nullopt, "lots").threads_source, "affinity");  // not a count: ignored
  EXPECT_EQ(choose_threads(2, std::nullopt, "2.5").threads_source, "affinity");
}

// A report's context records the policy. Without OMP_WAIT_POLICY in the environment engram-bench
// re-executes itself with PASSIVE; with it, it keeps the user's.
TEST(ThreadPolicy, TheReportRecordsThreadsAndTheWaitPolicy) {
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "mmlu");
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("engram_thread_policy_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  for (const std::string user_policy : {"", "ACTIVE"}) {
    const fs::path report = dir / ("report" + user_policy + ".json");
    const std::string environment =
        "-u ENGRAM_OMP_WAIT_SET " + (user_policy.empty() ? "-u OMP_WAIT_POLICY" : "OMP_WAIT_POLICY=" + user_policy);
    const auto [code, output] = testing::run_engram_bench_with_env(
        environment, "eval --model tiny-dense --tasks mmlu:anatomy --limit 1 --max-length 256 --no-samples --quiet "
                     "--data-dir " + (testing::shared_dir() / "datasets").string() + " --output " + report.string());
    ASSERT_EQ(code, 0) << output;
    const nlohmann::json context = testing::read_json(report)["context"];
    const nlohmann::json& policy = context["thread_policy"];
    EXPECT_EQ(policy["omp_wait_policy"], user_policy.empty() ? "PASSIVE" : user_policy) << policy.dump();
    EXPECT_EQ(policy["omp_wait_source"], user_policy.empty() ? "engram-bench" : "environment") << policy.dump();
    EXPECT_FALSE(policy["threads_source"].get<std::string>().empty());
    EXPECT_GE(context["threads"].get<int>(), 1);
  }
  fs::remove_all(dir);
}

}  // namespace
}  // namespace engram::harness
