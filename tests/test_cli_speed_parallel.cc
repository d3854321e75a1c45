// `engram-bench speed` under torchrun (2 Gloo ranks on this machine): each rank's throughput row,
// their sum, and with --shard the all-to-all time of every MoE and Engram layer, from every rank.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <set>

#include "cli_runner.h"

namespace engram {
namespace {

namespace fs = std::filesystem;

TEST(CliSpeedParallel, ShardedTinyEngramReportsRanksAggregateAndAllToAllPerLayer) {
  const fs::path dir = fs::temp_directory_path() / ("engram-speed-parallel-" + std::to_string(getpid()));
  fs::remove_all(dir);
  fs::create_directories(dir);
  const fs::path output = dir / "speed.json";
  const auto [rc, printed] = testing::run_program_with_env(
      "GLOO_SOCKET_IFNAME=lo OMP_NUM_THREADS=1", std::string(ENGRAM_SOURCE_DIR) + "/.venv/bin/torchrun",
      std::string("--standalone --nproc-per-node 2 --no-python ") + ENGRAM_BENCH_BINARY +
          " speed --model tiny-engram --shard --batch 2 --prompt-tokens 8 --gen-tokens 3 --repetitions 1"
          " --warmup-max 1 --threads 1 --output-format json --output " + output.string());
  ASSERT_EQ(rc, 0) << printed;
  std::ifstream in(output);
  ASSERT_TRUE(in) << printed;
  const nlohmann::json section = nlohmann::json::parse(in);
  ASSERT_EQ(section["rows"].size(), 1u);
  EXPECT_EQ(section["rows"][0]["engram_table"], "sharded");
  const nlohmann::json& parallel = section.at("parallel");
  EXPECT_EQ(parallel["world_size"], 2);
  EXPECT_EQ(parallel["backend"], "gloo");
  EXPECT_EQ(parallel["sharded"], true);

  ASSERT_EQ(parallel["ranks"].size(), 2u);
  double rank_sum = 0;
  for (int rank = 0; rank < 2; ++rank) {
    const nlohmann::json& row = parallel["ranks"][rank];
    EXPECT_EQ(row["rank"], rank);
    EXPECT_EQ(row["batch"], 2);
    EXPECT_GT(row["output_tok_s"].get<double>(), 0);
    rank_sum += row["output_tok_s"].get<double>();
  }
  ASSERT_EQ(parallel["aggregate"].size(), 1u);
  EXPECT_EQ(parallel["aggregate"][0]["ranks"], 2);
  EXPECT_EQ(parallel["aggregate"][0]["batch"], 4);
  EXPECT_DOUBLE_EQ(parallel["aggregate"][0]["output_tok_s"].get<double>(), rank_sum);

  // tiny-engram: MoE layers 1-3, Engram layers 1 and 2. Each sharded forward makes three
  // all-to-alls per layer (counts, then rows out and rows back); 1 repetition of 3 tokens is 3 forwards.
  std::set<std::pair<int, std::string>> seen;
  for (const nlohmann::json& entry : parallel["all_to_all"]) {
    seen.emplace(entry["rank"].get<int>(), entry["layer"].get<std::string>());
    EXPECT_EQ(entry["forwards"], 3);
    EXPECT_EQ(entry["exchanges"], 9) << entry.dump();
    EXPECT_GT(entry["ms_per_forward"].get<double>(), 0);
  }
  std::set<std::pair<int, std::string>> expected;
  for (int rank = 0; rank < 2; ++rank) {
    for (const char* layer : {"layer 1 moe", "layer 2 moe", "layer 3 moe", "layer 1 engram", "layer 2 engram"}) {
      expected.emplace(rank, layer);
    }
  }
  EXPECT_EQ(seen, expected);
  fs::remove_all(dir);
}

TEST(CliSpeedParallel, ShardWithoutTorchrunIsRefused) {
  const auto [rc, printed] = testing::run_engram_bench("speed --model tiny-moe --shard --gen-tokens 2");
  EXPECT_NE(rc, 0);
  EXPECT_NE(printed.find("--shard"), std::string::npos) << printed;
}

}  // namespace
}  // namespace engram
