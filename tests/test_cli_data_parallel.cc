// Data-parallel `eval` as users launch it: 2 ranks on CPU with Gloo, started by torchrun from the
// project's .venv (or, where a test must kill one rank and read what the other says, by
// data_parallel_launch.sh with the environment torchrun sets), write the report a single process
// writes, timings and run facts aside; a rank killed mid-run fails the run with a message naming it,
// and a rerun with --resume, with 1 rank or with 2, loses nothing and ends in the same report.
#include <gtest/gtest.h>

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "tasks/tasks_test_util.h"
#include "test_support.h"

namespace engram {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using tasks::testing::ScratchDir;
using testing::read_json;

// Quick subsets of BBH (chain-of-thought generation) and MMLU (log-likelihood); one instance per
// journal append, so that a kill falls between appends.
std::string eval_arguments(const fs::path& report) {
  return "eval --model tiny-dense --tasks bbh_cot_fewshot:navigate+boolean_expressions,mmlu:anatomy+astronomy "
         "--limit 2 --max-new-tokens 8 --journal-chunk 1 --quiet --data-dir " +
         (testing::shared_dir() / "datasets").string() + " --output " + report.string();
}

// What legitimately differs between two runs of the same evaluation.
json comparable(json report) {
  for (const char* key : {"created", "context", "timings", "journal", "samples_log"}) report.erase(key);
  for (auto& [name, task] : report["tasks"].items()) task.erase("timings");
  return report;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// One intra-op thread per process, in the single-process run too: two ranks then share the CI's two
// cores without fighting, and every run reduces its sums in the same order.
const std::string kRankEnvironment = "OMP_NUM_THREADS=1";

std::pair<int, std::string> under_torchrun(int ranks, const std::string& arguments) {
  const fs::path torchrun = fs::path(ENGRAM_SOURCE_DIR) / ".venv" / "bin" / "torchrun";
  return testing::run_program_with_env(kRankEnvironment, torchrun.string(),
                                       "--standalone --nproc-per-node " + std::to_string(ranks) +
                                           " --no-python " ENGRAM_BENCH_BINARY " " + arguments);
}

int free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  socklen_t size = sizeof(address);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0 ||
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&address), &size) != 0) {
    ::close(fd);
    return 29517;
  }
  ::close(fd);
  return ntohs(address.sin_port);
}

// Two ranks started with torchrun's environment but no torchrun, so that nothing kills the
// surviving rank before it says what happened.
std::pair<int, std::string> two_ranks_without_torchrun(const std::string& environment, const std::string& arguments) {
  const fs::path launcher = fs::path(ENGRAM_SOURCE_DIR) / "tests" / "data_parallel_launch.sh";
  return testing::run_program_with_env(kRankEnvironment + " " + environment, launcher.string(),
                                       "2 " + std::to_string(free_port()) + " " ENGRAM_BENCH_BINARY " " + arguments);
}

class CliDataParallel : public ::testing::Test {
 protected:
  // The single-process run every data-parallel run must reproduce.
  static void SetUpTestSuite() {
    reference_dir_ = new ScratchDir();
    const fs::path report = reference_dir_->path() / "report.json";
    const auto [code, output] = testing::run_engram_bench_with_env(kRankEnvironment, eval_arguments(report));
    ASSERT_EQ(code, 0) << output;
    reference_ = new json(read_json(report));
    reference_samples_ = new std::string(read_text(reference_dir_->path() / "report.samples.jsonl"));
  }
  static void TearDownTestSuite() {
    delete reference_;
    delete reference_samples_;
    delete reference_dir_;
  }
  void SetUp() override {
    ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "bbh");
    ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "mmlu");
    ASSERT_NE(reference_, nullptr);
  }
  static ScratchDir* reference_dir_;
  static json* reference_;
  static std::string* reference_samples_;
};

ScratchDir* CliDataParallel::reference_dir_ = nullptr;
json* CliDataParallel::reference_ = nullptr;
std::string* CliDataParallel::reference_samples_ = nullptr;

TEST_F(CliDataParallel, TwoGlooRanksUnderTorchrunWriteTheSingleProcessReport) {
  ScratchDir dir;
  const fs::path report = dir.path() / "report.json";
  const auto [code, output] = under_torchrun(2, eval_arguments(report));
  ASSERT_EQ(code, 0) << output;
  const json parallel = read_json(report);
  EXPECT_TRUE(comparable(parallel) == comparable(*reference_)) << comparable(parallel).dump().substr(0, 3000);
  EXPECT_EQ(read_text(dir.path() / "report.samples.jsonl"), *reference_samples_);
  EXPECT_GT(parallel["tasks"]["mmlu"]["n"].get<int64_t>(), 0);
  EXPECT_GT(parallel["tasks"]["bbh_cot_fewshot"]["n"].get<int64_t>(), 0);

  const json& distributed = parallel["context"]["distributed"];
  EXPECT_EQ(distributed["world_size"], 2) << distributed.dump();
  EXPECT_EQ(distributed["backend"], "gloo");
  ASSERT_EQ(distributed["ranks"].size(), 2u);
  for (int r = 0; r < 2; ++r) {
    EXPECT_EQ(distributed["ranks"][r]["rank"], r);
    EXPECT_EQ(distributed["ranks"][r]["device"], "cpu");
  }
  EXPECT_TRUE(reference_->at("context")["distributed"].is_null());

  // Rank 0's journal alone holds every answer: the rank journals are gone, and a rescore in one
  // process needs nothing else.
  EXPECT_FALSE(fs::exists(dir.path() / "report.journal.rank1.jsonl"));
  const auto [rescore_code, rescore_output] =
      testing::run_engram_bench_with_env(kRankEnvironment, eval_arguments(report) + " --rescore");
  ASSERT_EQ(rescore_code, 0) << rescore_output;
  // (A rescore's model.engine lacks what the journal does not record, as in one process.)
  EXPECT_TRUE(read_json(report)["tasks"] == reference_->at("tasks"));
}

TEST_F(CliDataParallel, AKilledRankIsNamedAndAResumeWithOneOrTwoRanksLosesNothing) {
  for (int resume_ranks : {1, 2}) {
    ScratchDir dir;
    const fs::path report = dir.path() / "report.json";
    // Rank 1 dies (SIGKILL) once it has answered its first log-likelihood instance (every rank gets one
    // of the 4: the split gives each rank the largest item left while it has the least).
    const auto [crashed_code, crashed_output] =
        two_ranks_without_torchrun("ENGRAM_CRASH_AT=loglikelihood:1 ENGRAM_CRASH_RANK=1", eval_arguments(report));
    EXPECT_NE(crashed_code, 0) << crashed_output;
    EXPECT_NE(crashed_output.find("== rank 1 exit 137 =="), std::string::npos) << crashed_output;
    EXPECT_NE(crashed_output.find("rank 1 stopped"), std::string::npos)
        << "rank 0 must name the rank that died:\n" << crashed_output;
    EXPECT_NE(crashed_output.find("rerun with --resume"), std::string::npos) << crashed_output;
    EXPECT_FALSE(fs::exists(report)) << "a failed run must not leave a report";
    ASSERT_TRUE(fs::exists(dir.path() / "report.journal.rank1.jsonl"));
    EXPECT_NE(read_text(dir.path() / "report.journal.rank1.jsonl").find("\"loglikelihood\""), std::string::npos)
        << "rank 1 journaled its answers before it died";

    const auto [code, output] = resume_ranks == 1
                                    ? testing::run_engram_bench_with_env(kRankEnvironment,
                                                                         eval_arguments(report) + " --resume")
                                                  : under_torchrun(2, eval_arguments(report) + " --resume");
    ASSERT_EQ(code, 0) << output;
    const json resumed = read_json(report);
    EXPECT_TRUE(comparable(resumed) == comparable(*reference_))
        << "resumed with " << resume_ranks << " rank(s):\n" << comparable(resumed).dump().substr(0, 3000);
    EXPECT_GT(resumed["journal"]["reused"].get<int64_t>(), 0) << "the journals' answers were reused";
    EXPECT_EQ(read_text(dir.path() / "report.samples.jsonl"), *reference_samples_);
    EXPECT_FALSE(fs::exists(dir.path() / "report.journal.rank1.jsonl"));
  }
}

}  // namespace
}  // namespace engram
