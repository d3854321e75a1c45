// `engram-bench models`, `models show` and `models derive`, run as a user runs them.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>

#include <nlohmann/json.hpp>

#include "cli_runner.h"

namespace engram {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;


json run_json(const std::string& arguments) {
  auto [code, output] = testing::run_engram_bench(arguments, /*with_stderr=*/false);
  EXPECT_EQ(code, 0) << arguments << "\n" << output;
  return json::parse(output);
}

double relative_error(double value, double expected) { return std::abs(value / expected - 1.0); }

TEST(CliModels, ListReproducesThePaperCounts) {
  const json report = run_json("models --json");
  EXPECT_EQ(report["context"], 4096);
  std::map<std::string, json> by_name;
  for (const json& m : report["models"]) by_name[m["name"].get<std::string>()] = m;
  ASSERT_EQ(by_name.size(), 7u);
  const std::pair<const char*, double> totals[] = {
      {"dense-4b", 4.1e9}, {"moe-27b", 26.7e9}, {"engram-27b", 26.7e9}, {"engram-40b", 39.5e9}};
  for (const auto& [name, total] : totals) {
    const json& m = by_name.at(name);
    EXPECT_LE(relative_error(m["total_params"].get<double>(), total), 0.01) << name;
    EXPECT_LE(relative_error(m["activated_params_without_embedding"].get<double>(), 3.8e9), 0.01) << name;
    EXPECT_EQ(m["paper"]["total_params"].get<double>(), total) << name;
    EXPECT_GT(m["flops_per_token"]["at_position"].get<double>(), m["flops_per_token"]["causal_mean"].get<double>());
    EXPECT_EQ(m["weight_bytes"]["float32"].get<int64_t>(), 4 * m["total_params"].get<int64_t>());
    EXPECT_EQ(m["weight_bytes"]["bfloat16"].get<int64_t>(), 2 * m["total_params"].get<int64_t>());
    EXPECT_EQ(m["weight_bytes"]["float8"].get<int64_t>(), m["total_params"].get<int64_t>());
    EXPECT_EQ(m["kv_cache_bytes_per_token"]["bfloat16"].get<int64_t>(), 2 * 30 * 576);
  }
  EXPECT_LE(relative_error(by_name["engram-40b"]["engram_params"].get<double>(), 18.5e9), 0.01);
  // 5.7B in the paper; its own table sizes give 5.79B of tables + 33M of projections (see test_presets).
  EXPECT_LE(relative_error(by_name["engram-27b"]["engram_params"].get<double>(), 5.7e9), 0.025);
  EXPECT_NEAR(by_name["engram-27b"]["rho"].get<double>(), 0.743, 0.005);
  EXPECT_TRUE(by_name["dense-4b"]["rho"].is_null());
  EXPECT_EQ(by_name["moe-27b"]["routed_experts"], 72);

  const json longer = run_json("models --json --context 32768");
  EXPECT_GT(longer["models"][1]["flops_per_token"]["causal_mean"].get<double>(),
            report["models"][1]["flops_per_token"]["causal_mean"].get<double>());

  auto [code, table] = testing::run_engram_bench("models");
  EXPECT_EQ(code, 0) << table;
  for (const char* name : {"dense-4b", "moe-27b", "engram-27b", "engram-40b", "tiny-dense", "tiny-moe", "tiny-engram"}) {
    EXPECT_NE(table.find(name), std::string::npos) << table;
  }
}

TEST(CliModels, ShowBreaksDownByGroup) {
  const json r = run_json("models show engram-27b --json");
  int64_t total = 0, activated = 0;
  for (auto it = r["parameters_by_group"].begin(); it != r["parameters_by_group"].end(); ++it) {
    total += (*it)["total"].get<int64_t>();
    activated += (*it)["activated"].get<int64_t>();
  }
  EXPECT_EQ(total, r["total_params"].get<int64_t>());
  EXPECT_EQ(activated, r["activated_params"].get<int64_t>());
  EXPECT_EQ(r["parameters_by_group"]["hyper_connections"]["total"], 14788185);
  EXPECT_EQ(r["parameters_by_group"]["engram_tables"]["total"], int64_t{5792338560});
  EXPECT_EQ(r["config"]["n_routed_experts"], 55);
  EXPECT_EQ(r["config"]["engram"]["layer_ids"], json::array({2, 15}));
  double sum = 0;
  for (auto it = r["flops_by_component"]["causal_mean"].begin(); it != r["flops_by_component"]["causal_mean"].end(); ++it) {
    if (it.key() != "total") sum += it->get<double>();
  }
  EXPECT_DOUBLE_EQ(sum, r["flops_by_component"]["causal_mean"]["total"].get<double>());

  auto [code, text] = testing::run_engram_bench("models show tiny-moe");
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("routed_experts"), std::string::npos) << text;
}

TEST(CliModels, DeriveThePaperPairAndBack) {
  const json d = run_json("models derive --from moe-27b --engram-share 0.257 --json");
  EXPECT_EQ(d["experts"]["before"], 72);
  EXPECT_EQ(d["experts"]["after"], 55);
  EXPECT_NEAR(d["rho"]["after"].get<double>(), 0.743, 0.005);
  EXPECT_EQ(d["rho"]["before"].get<double>(), 1.0);
  EXPECT_LE(relative_error(d["engram_table_base"].get<double>(), 2262400), 0.01);
  EXPECT_TRUE(d["iso"]["within_tolerance"].get<bool>());
  EXPECT_LE(d["parameter_delta"].get<int64_t>(), 0);
  EXPECT_EQ(d["derived"]["name"], "moe-27b-engram-0.257");

  const json back = run_json("models derive --from engram-27b --to-moe --json --name moe-back");
  EXPECT_EQ(back["experts"]["after"], 72);
  EXPECT_EQ(back["derived"]["name"], "moe-back");
  EXPECT_TRUE(back["derived"]["rho"].get<double>() == 1.0);

  // --save writes a config.json that `models show` (and the model loader) reads back.
  const fs::path dir = fs::temp_directory_path() / ("engram_models_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const json saved = run_json("models derive --from tiny-moe --engram-share 0.257 --json --save " + dir.string());
  const json shown = run_json("models show --json " + dir.string());
  EXPECT_EQ(shown["total_params"], saved["derived"]["total_params"]);
  const json tiny = run_json("models show --json tiny-engram");
  EXPECT_EQ(shown["total_params"], tiny["total_params"]);

  auto [code, text] = testing::run_engram_bench("models derive --from moe-27b --engram-share 0.257");
  EXPECT_EQ(code, 0) << text;
  EXPECT_NE(text.find("74."), std::string::npos) << text;
  fs::remove_all(dir);
}

TEST(CliModels, ErrorsExitNonZeroWithAMessage) {
  auto [code, text] = testing::run_engram_bench("models show moe-28b");
  EXPECT_NE(code, 0);
  EXPECT_NE(text.find("moe-28b"), std::string::npos) << text;
  EXPECT_NE(text.find("engram-27b"), std::string::npos) << text;

  std::tie(code, text) = testing::run_engram_bench("models derive --from moe-27b --engram-share 1.5");
  EXPECT_NE(code, 0);
  EXPECT_NE(text.find("between 0 and 1"), std::string::npos) << text;

  std::tie(code, text) = testing::run_engram_bench("models derive --from moe-27b");
  EXPECT_NE(code, 0);
  EXPECT_NE(text.find("--engram-share"), std::string::npos) << text;

  std::tie(code, text) = testing::run_engram_bench("models derive --from moe-27b --engram-share 0.2 --to-moe");
  EXPECT_NE(code, 0);

  std::tie(code, text) = testing::run_engram_bench("models derive --from dense-4b --engram-share 0.2");
  EXPECT_NE(code, 0);
  EXPECT_NE(text.find("n_routed_experts"), std::string::npos) << text;

  const fs::path dir = fs::temp_directory_path() / ("engram_models_bad_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::ofstream(dir / "config.json") << R"({"model_type": "deepseek_v3", "vocab_size": 100, "hidden_size": 64,
      "intermediate_size": 128, "num_hidden_layers": 2, "num_attention_heads": 4, "kv_lora_rank": 16,
      "qk_nope_head_dim": 8, "qk_rope_head_dim": 8, "v_head_dim": 8, "n_routed_experts": 4,
      "num_experts_per_tok": 6, "moe_intermediate_size": 32})";
  std::tie(code, text) = testing::run_engram_bench("models show " + dir.string());
  EXPECT_NE(code, 0);
  EXPECT_NE(text.find("num_experts_per_tok"), std::string::npos) << text;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace engram
