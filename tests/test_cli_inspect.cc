#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "harness/io/checkpoint_summary.h"
#include "harness/io/safetensors.h"

namespace engram {
namespace {

namespace fs = std::filesystem;
using testing::run_engram_bench;


TEST(ParameterGroups, HuggingFaceAndEngramNames) {
  EXPECT_EQ(io::parameter_group("model.embed_tokens.weight"), "embedding");
  EXPECT_EQ(io::parameter_group("lm_head.weight"), "lm_head");
  EXPECT_EQ(io::parameter_group("model.layers.3.self_attn.kv_a_proj_with_mqa.weight"), "attention");
  EXPECT_EQ(io::parameter_group("model.layers.3.mlp.experts.17.down_proj.weight"), "routed_experts");
  EXPECT_EQ(io::parameter_group("model.layers.3.mlp.shared_experts.up_proj.weight"), "shared_experts");
  EXPECT_EQ(io::parameter_group("model.layers.3.mlp.gate.weight"), "router");
  EXPECT_EQ(io::parameter_group("model.layers.3.mlp.gate.e_score_correction_bias"), "router");
  EXPECT_EQ(io::parameter_group("model.layers.0.mlp.gate_proj.weight"), "dense_ffn");
  EXPECT_EQ(io::parameter_group("model.layers.2.engram.multi_head_embedding.embedding.weight"), "engram");
  EXPECT_EQ(io::parameter_group("short_conv.conv.weight"), "engram");
  EXPECT_EQ(io::parameter_group("model.layers.1.input_layernorm.weight"), "norm");
  EXPECT_EQ(io::parameter_group("model.norm.weight"), "norm");
  EXPECT_EQ(io::parameter_group("model.layers.0.attn_hc.fn"), "hyper_connections");
  EXPECT_EQ(io::parameter_group("model.layers.7.ffn_hc.scale"), "hyper_connections");
  EXPECT_EQ(io::parameter_group("model.hc_head.hc_fn"), "hyper_connections");
}

TEST(CliInspect, ShardedCheckpointWithConfigAsJson) {
  const fs::path dir = fs::temp_directory_path() / ("engram_inspect_" + std::to_string(::getpid()));
  fs::create_directories(dir);
  io::write_safetensors((dir / "a.safetensors").string(),
                        {{"model.embed_tokens.weight", at::zeros({10, 4})}, {"model.layers.0.mlp.experts.0.up_proj.weight", at::zeros({8, 4})}});
  io::write_safetensors((dir / "b.safetensors").string(), {{"lm_head.weight", at::zeros({10, 4}).to(at::kBFloat16)}});
  std::ofstream(dir / "model.safetensors.index.json")
      << R"({"weight_map": {"model.embed_tokens.weight": "a.safetensors",
             "model.layers.0.mlp.experts.0.up_proj.weight": "a.safetensors", "lm_head.weight": "b.safetensors"}})";
  std::ofstream(dir / "config.json") << R"({"model_type": "llama", "vocab_size": 10, "hidden_size": 4,
      "intermediate_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2})";
  auto [code, output] = run_engram_bench("inspect --json " + dir.string());
  ASSERT_EQ(code, 0) << output;
  const auto report = nlohmann::json::parse(output);
  EXPECT_EQ(report["total_parameters"], 112);
  EXPECT_EQ(report["bytes"], 40 * 4 + 32 * 4 + 40 * 2);
  EXPECT_EQ(report["parameters_by_group"]["embedding"], 40);
  EXPECT_EQ(report["parameters_by_group"]["routed_experts"], 32);
  EXPECT_EQ(report["parameters_by_dtype"]["BF16"], 40);
  EXPECT_EQ(report["tensors"].size(), 3u);
  EXPECT_EQ(report["config"]["model_type"], "llama");
  EXPECT_EQ(report["files"].size(), 2u);

  std::tie(code, output) = run_engram_bench("inspect " + dir.string());
  EXPECT_EQ(code, 0) << output;
  EXPECT_NE(output.find("routed_experts"), std::string::npos) << output;

  std::ofstream(dir / "config.json") << R"({"model_type": "gpt9", "vocab_size": 10})";
  std::tie(code, output) = run_engram_bench("inspect " + dir.string());
  EXPECT_NE(code, 0);
  EXPECT_NE(output.find("gpt9"), std::string::npos) << output;

  std::ofstream(dir / "b.safetensors") << "truncated";
  std::tie(code, output) = run_engram_bench("inspect " + dir.string());
  EXPECT_NE(code, 0);
  EXPECT_NE(output.find("b.safetensors"), std::string::npos) << output;
  fs::remove_all(dir);
}

}  // namespace
}  // namespace engram
