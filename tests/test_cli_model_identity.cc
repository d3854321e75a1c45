// Stale weights, as a user meets them: a checkpoint retrained in place (same names, shapes and
// dtypes, other values) must not resume from the journal its previous weights wrote, while the same
// weights must, whether their digest was computed or came from the cache.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "baselines/nn/causal_lm.h"
#include "baselines/presets.h"
#include "cli_runner.h"
#include "harness/io/hf_config.h"
#include "harness/io/safetensors.h"
#include "tasks/tasks_test_util.h"
#include "test_support.h"

namespace engram {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A Hugging Face-style folder holding tiny-dense with weights drawn from `seed`.
void write_checkpoint(const fs::path& dir, uint64_t seed) {
  const model::ModelConfig config = model::find_preset("tiny-dense").config;
  model::CausalLM lm(config, nullptr);
  lm->init_weights(seed);
  std::vector<std::pair<std::string, at::Tensor>> tensors;
  for (const auto& item : lm->named_parameters()) tensors.emplace_back(item.key(), item.value());
  io::write_safetensors((dir / "model.safetensors").string(), tensors);
  std::ofstream(dir / "config.json") << io::to_hf_json(config).dump(1);
}

// Moves the weights' modification time into the past, where the digest cache trusts it.
void age_weights(const fs::path& dir) {
  fs::last_write_time(dir / "model.safetensors", fs::file_time_type::clock::now() - std::chrono::hours(1));
}

json eval(const fs::path& model_dir, const fs::path& report, bool resume) {
  const std::string args = "eval --model hf:" + model_dir.string() + " --tasks mmlu:anatomy --limit 3 --quiet " +
                           "--data-dir " + (testing::shared_dir() / "datasets").string() + " --output " +
                           report.string() + (resume ? " --resume" : "");
  const auto [code, output] = testing::run_engram_bench(args);
  EXPECT_EQ(code, 0) << output;
  return testing::read_json(report);
}

TEST(CliModelIdentity, RetrainedWeightsOfTheSameShapesDoNotResumeFromTheOldJournal) {
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "datasets" / "mmlu");
  ENGRAM_REQUIRE_SHARED(testing::shared_dir() / "tokenizers" / "deepseek-v3");
  tasks::testing::ScratchDir dir;
  const fs::path model_dir = dir.path() / "model";
  fs::create_directories(model_dir);
  write_checkpoint(model_dir, 1);
  age_weights(model_dir);
  const fs::path report = dir.path() / "report.json";

  const json first = eval(model_dir, report, false);
  const json& identity = first["model"]["checkpoint_identity"];
  EXPECT_EQ(identity["scope"], "all-bytes-xxh3-128");
  EXPECT_EQ(identity["source"], "computed");
  ASSERT_EQ(identity["files"].size(), 1u);
  EXPECT_EQ(identity["files"][0]["bytes"], fs::file_size(model_dir / "model.safetensors"));
  EXPECT_EQ(first["journal"]["reused"], 0);

  // The same weights: the digest comes from the cache, and every answer from the journal.
  const json same = eval(model_dir, report, true);
  EXPECT_EQ(same["model"]["checkpoint_identity"]["source"], "cached");
  EXPECT_EQ(same["model_fingerprint"], first["model_fingerprint"]);
  EXPECT_GT(same["journal"]["reused"].get<int>(), 0);

  // Retrained: same shapes, other values. Nothing from the old journal may be reused.
  write_checkpoint(model_dir, 2);
  age_weights(model_dir);
  const json retrained = eval(model_dir, report, true);
  EXPECT_EQ(fs::file_size(model_dir / "model.safetensors"), identity["files"][0]["bytes"].get<uint64_t>());
  EXPECT_NE(retrained["model"]["checkpoint_sha256"], first["model"]["checkpoint_sha256"]);
  EXPECT_EQ(retrained["model"]["checkpoint_identity"]["source"], "computed");
  EXPECT_NE(retrained["model_fingerprint"], first["model_fingerprint"]);
  EXPECT_EQ(retrained["journal"]["reused"], 0);
}

}  // namespace
}  // namespace engram
