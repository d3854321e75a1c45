// Expert parallelism and the sharded Engram table over 2 Gloo ranks on the CPU: each rank's logits
// and greedy generations equal those of the single-process model on the same prompts (1e-5, float32).
// The ranks are processes (model_sharding_worker) meeting through a c10d FileStore.
#include <gtest/gtest.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace {

namespace fs = std::filesystem;
constexpr int kWorld = 2;

pid_t spawn_worker(const std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (const std::string& a : args) argv.push_back(const_cast<char*>(a.c_str()));
  argv.push_back(nullptr);
  pid_t pid = 0;
  const int rc = posix_spawn(&pid, argv[0], nullptr, nullptr, argv.data(), environ);
  if (rc != 0) throw std::runtime_error("cannot start " + args[0] + ": " + std::strerror(rc));
  return pid;
}

// The exit status, or -1 after killing a worker still running at the deadline (a hung collective).
int wait_for(pid_t pid, std::chrono::steady_clock::time_point deadline) {
  int status = 0;
  while (waitpid(pid, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > deadline) {
      kill(pid, SIGKILL);
      waitpid(pid, &status, 0);
      return -1;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::vector<nlohmann::json> run_ranks(const std::string& preset) {
  setenv("GLOO_SOCKET_IFNAME", "lo", /*overwrite=*/0);  // the ranks meet on this machine
  const fs::path dir = fs::temp_directory_path() / ("engram-sharding-" + preset + "-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string store = (dir / "store").string();
  std::vector<pid_t> pids;
  for (int rank = 0; rank < kWorld; ++rank) {
    pids.push_back(spawn_worker({MODEL_SHARDING_WORKER, preset, store, std::to_string(rank), std::to_string(kWorld),
                                 (dir / ("rank" + std::to_string(rank) + ".json")).string()}));
  }
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(300);
  std::vector<nlohmann::json> results;
  for (int rank = 0; rank < kWorld; ++rank) {
    EXPECT_EQ(wait_for(pids[static_cast<size_t>(rank)], deadline), 0) << preset << " rank " << rank;
    std::ifstream in(dir / ("rank" + std::to_string(rank) + ".json"));
    if (in) results.push_back(nlohmann::json::parse(in));
  }
  fs::remove_all(dir);
  return results;
}

void expect_single_process_results(const std::vector<nlohmann::json>& ranks) {
  ASSERT_EQ(ranks.size(), static_cast<size_t>(kWorld));
  for (const nlohmann::json& r : ranks) {
    SCOPED_TRACE("rank " + r["rank"].dump());
    EXPECT_LE(r["max_abs_diff"].get<double>(), 1e-5);
    EXPECT_EQ(r["sharded_tokens"], r["single_tokens"]);
    EXPECT_GT(r["exchanges"].get<int64_t>(), 0);
  }
  // The ranks ran different prompts (of different shapes), so each one's tokens went through the other.
  EXPECT_NE(ranks[0]["logits_shape"], ranks[1]["logits_shape"]);
}

TEST(ModelSharding, ExpertParallelTinyMoeMatchesOneProcess) {
  const std::vector<nlohmann::json> ranks = run_ranks("tiny-moe");
  expect_single_process_results(ranks);
  for (const nlohmann::json& r : ranks) {
    EXPECT_EQ(r["moe_layers"].get<int64_t>(), 3);
    EXPECT_EQ(r["experts_per_rank"].get<int64_t>(), 16 / kWorld);  // tiny-moe routes over 16 experts
    // Each rank freed the other rank's 8 experts in each of the 3 MoE layers: gate, up and down
    // projections of 256 x 128.
    EXPECT_EQ(r["parameters_before_sharding"].get<int64_t>() - r["parameters_after_sharding"].get<int64_t>(),
              3 * 8 * 3 * 256 * 128);
  }
}

TEST(ModelSharding, ShardedEngramTableTinyEngramMatchesOneProcess) {
  const std::vector<nlohmann::json> ranks = run_ranks("tiny-engram");
  expect_single_process_results(ranks);
  for (const nlohmann::json& r : ranks) {
    EXPECT_EQ(r["engram_layers"].get<int64_t>(), 2);
    // Half of tiny-engram's 12 experts per MoE layer freed, and the modules' whole tables (837,040
    // parameters, as `engram-bench models show tiny-engram` counts them; each rank now holds half of
    // their rows in the sharded store).
    EXPECT_EQ(r["parameters_before_sharding"].get<int64_t>() - r["parameters_after_sharding"].get<int64_t>(),
              3 * 6 * 3 * 256 * 128 + 837040);
  }
}

}  // namespace
