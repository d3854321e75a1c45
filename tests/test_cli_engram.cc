// The `engram hash` and `engram forward` verbs run as a user runs them: the installed binary, the
// golden files as inputs, outputs compared with the golden tensors; bad input gives a clear error.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "cli_runner.h"
#include "harness/io/safetensors.h"
#include "test_support.h"

namespace engram {
namespace {

namespace fs = std::filesystem;


class CliEngram : public ::testing::Test {
 protected:
  void SetUp() override {
    golden_ = testing::golden_dir();
    ENGRAM_REQUIRE_SHARED(golden_ / "hash_case0.safetensors");
    work_ = fs::temp_directory_path() / ("engram_cli_" + std::to_string(::getpid()));
    fs::create_directories(work_);
  }
  void TearDown() override { fs::remove_all(work_); }
  std::string g(const std::string& name) const { return (golden_ / name).string(); }
  std::string w(const std::string& name) const { return (work_ / name).string(); }

  fs::path golden_, work_;
};

TEST_F(CliEngram, HashReproducesGoldenCaseFromFiles) {
  for (const std::string tag : {"main", "edge"}) {
    const auto result = testing::run_engram_bench("engram hash --config " + g("hash_case0.json") + " --input " +
                                g("hash_case0.safetensors") + " --input-prefix " + tag + ". --out " + w(tag + ".st"));
    ASSERT_EQ(result.first, 0) << result.second;
    const auto out = io::read_safetensors(w(tag + ".st"));
    const auto golden = io::read_safetensors(g("hash_case0.safetensors"));
    int compared = 0;
    for (const auto& [name, tensor] : out.tensors) {
      ASSERT_TRUE(golden.contains(tag + "." + name)) << name;
      EXPECT_TRUE(at::equal(tensor, golden.get(tag + "." + name))) << tag << " " << name;
      ++compared;
    }
    EXPECT_EQ(compared, 7);  // compressed ids, and per layer: hash ids and two mixes
  }
}

TEST_F(CliEngram, ForwardReproducesGoldenCaseFromFiles) {
  for (const std::string name : {"forward_hc4", "forward_hc1"}) {
    for (const auto& [dtype, suffix, tolerance] :
         std::vector<std::tuple<std::string, std::string, double>>{{"float32", "f32", 1e-5}, {"float64", "f64", 1e-12}}) {
      const auto result = testing::run_engram_bench("engram forward --config " + g(name + ".json") + " --weights " +
                                  g(name + "_weights.safetensors") + " --input " + g(name + "_io.safetensors") +
                                  " --dtype " + dtype + " --out " + w("out.st"));
      ASSERT_EQ(result.first, 0) << result.second;
      const auto out = io::read_safetensors(w("out.st"));
      const auto golden = io::read_safetensors(g(name + "_io.safetensors"));
      EXPECT_TRUE(at::equal(out.get("hash_ids"), golden.get("hash_ids")));
      for (const std::string field : {"embeddings", "gates", "value", "short_conv_out", "output"}) {
        const double diff = (out.get(field).to(at::kDouble) - golden.get(field + "_" + suffix).to(at::kDouble))
                                .abs().max().item<double>();
        EXPECT_LE(diff, tolerance) << name << " " << dtype << " " << field;
      }
    }
  }
}

TEST_F(CliEngram, BadConfigIsAClearErrorAndWritesNothing) {
  const std::string bad = w("bad.json");
  std::ofstream(bad) << R"({"hash": {"max_ngram_size": 3, "engram_vocab_size": [211, 307], "layer_ids": [0, 2, 0]}})";
  const auto result = testing::run_engram_bench("engram hash --config " + bad + " --input " + g("hash_case0.safetensors") +
                              " --input-prefix main. --out " + w("never.st"));
  EXPECT_NE(result.first, 0);
  EXPECT_NE(result.second.find("bad.json"), std::string::npos) << result.second;
  EXPECT_NE(result.second.find("layer_ids"), std::string::npos) << result.second;
  EXPECT_FALSE(fs::exists(w("never.st")));
}

TEST_F(CliEngram, MalformedInputFileIsAClearError) {
  const std::string truncated = w("truncated.safetensors");
  {
    std::ifstream in(g("hash_case0.safetensors"), std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(truncated, std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  auto result = testing::run_engram_bench("engram hash --config " + g("hash_case0.json") + " --input " + truncated +
                        " --input-prefix main. --out " + w("never.st"));
  EXPECT_NE(result.first, 0);
  EXPECT_NE(result.second.find("truncated.safetensors"), std::string::npos) << result.second;
  EXPECT_FALSE(fs::exists(w("never.st")));

  // The input exists but lacks the tensor the verb needs.
  result = testing::run_engram_bench("engram hash --config " + g("hash_case0.json") + " --input " + g("hash_case0.safetensors") +
                   " --out " + w("never.st"));
  EXPECT_NE(result.first, 0);
  EXPECT_NE(result.second.find("'input_ids'"), std::string::npos) << result.second;

  // Weights of the wrong shape for the config.
  result = testing::run_engram_bench("engram forward --config " + g("forward_hc1.json") + " --weights " +
                   g("forward_hc4_weights.safetensors") + " --input " + g("forward_hc1_io.safetensors") +
                   " --out " + w("never.st"));
  EXPECT_NE(result.first, 0);
  EXPECT_NE(result.second.find("forward_hc4_weights.safetensors"), std::string::npos) << result.second;
  EXPECT_EQ(result.second.find("frame #"), std::string::npos) << "no C++ backtraces for users: " << result.second;
}

TEST_F(CliEngram, WrongFlagsExitNonZero) {
  EXPECT_NE(testing::run_engram_bench("engram hash --config " + g("hash_case0.json")).first, 0);
  EXPECT_NE(testing::run_engram_bench("engram forward --dtype float16 --config x --weights y --input z --out o").first, 0);
  EXPECT_NE(testing::run_engram_bench("no-such-verb").first, 0);
}

}  // namespace
}  // namespace engram
