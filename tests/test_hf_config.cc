#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "harness/io/hf_config.h"

namespace engram::io {
namespace {

using nlohmann::json;

// A small DeepSeek-V3 config as transformers' DeepseekV3Config.save_pretrained writes it.
json deepseek_v3() {
  return json::parse(R"({
    "model_type": "deepseek_v3", "vocab_size": 1000, "hidden_size": 64, "intermediate_size": 128,
    "moe_intermediate_size": 32, "num_hidden_layers": 4, "num_attention_heads": 4, "num_key_value_heads": 4,
    "n_shared_experts": 1, "n_routed_experts": 8, "routed_scaling_factor": 2.5, "kv_lora_rank": 16,
    "q_lora_rank": null, "qk_rope_head_dim": 8, "v_head_dim": 16, "qk_nope_head_dim": 16, "n_group": 2,
    "topk_group": 1, "num_experts_per_tok": 2, "first_k_dense_replace": 1, "norm_topk_prob": true,
    "hidden_act": "silu", "max_position_embeddings": 4096, "rms_norm_eps": 1e-06, "rope_theta": 10000.0,
    "rope_scaling": {"type": "yarn", "factor": 8.0, "original_max_position_embeddings": 4096, "beta_fast": 32,
                     "beta_slow": 1, "mscale": 1.0, "mscale_all_dim": 1.0},
    "bos_token_id": 0, "eos_token_id": [1, 2], "tie_word_embeddings": false, "attention_bias": false})");
}

json llama() {
  return json::parse(R"({"model_type": "llama", "vocab_size": 500, "hidden_size": 48, "intermediate_size": 96,
    "num_hidden_layers": 2, "num_attention_heads": 6, "num_key_value_heads": 2, "rms_norm_eps": 1e-5,
    "rope_theta": 500000.0, "rope_scaling": {"rope_type": "llama3", "factor": 8.0, "low_freq_factor": 1.0,
    "high_freq_factor": 4.0, "original_max_position_embeddings": 8192}})");
}

void expect_rejected(const json& config, const std::string& needle) {
  try {
    parse_hf_config(config, "config.json");
    ADD_FAILURE() << "accepted: " << config.dump();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("config.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
  }
}

TEST(HfConfig, DeepSeekV3Fields) {
  const model::ModelConfig c = parse_hf_config(deepseek_v3(), "config.json");
  EXPECT_EQ(c.family, model::Family::kDeepSeekV3);
  ASSERT_TRUE(c.mla && c.moe);
  EXPECT_EQ(c.mla->q_lora_rank, 0);
  EXPECT_EQ(c.mla->kv_lora_rank, 16);
  EXPECT_EQ(c.moe->n_routed_experts, 8);
  EXPECT_EQ(c.moe->first_k_dense_replace, 1);
  EXPECT_DOUBLE_EQ(c.moe->routed_scaling_factor, 2.5);
  EXPECT_EQ(c.eos_token_id, 1);
  ASSERT_TRUE(c.rope_scaling);
  EXPECT_EQ(c.rope_scaling->type, "yarn");
  EXPECT_DOUBLE_EQ(c.rope_scaling->mscale_all_dim, 1.0);
  EXPECT_FALSE(c.is_moe_layer(0));
  EXPECT_TRUE(c.is_moe_layer(1));
  EXPECT_EQ(c.hc_mult, 1);
  EXPECT_FALSE(c.engram);
}

TEST(HfConfig, LlamaFields) {
  const model::ModelConfig c = parse_hf_config(llama(), "config.json");
  EXPECT_EQ(c.family, model::Family::kLlama);
  EXPECT_EQ(c.head_dim, 8);
  EXPECT_EQ(c.num_key_value_heads, 2);
  EXPECT_EQ(c.rope_scaling->type, "llama3");
  EXPECT_FALSE(c.mla);
  EXPECT_FALSE(c.moe);
}

TEST(HfConfig, EngramAndHyperConnectionExtension) {
  json j = deepseek_v3();
  j["hc_mult"] = 4;
  j["engram"] = json::parse(R"({"engram_vocab_size": [5000, 5000], "max_ngram_size": 3, "n_embed_per_ngram": 32,
                                "n_head_per_ngram": 4, "layer_ids": [1, 3], "pad_id": 2, "seed": 0, "kernel_size": 4})");
  const model::ModelConfig c = parse_hf_config(j, "config.json");
  ASSERT_TRUE(c.engram);
  EXPECT_EQ(c.hc_mult, 4);
  EXPECT_EQ(c.engram->hc_mult, 4);
  EXPECT_EQ(c.engram->hidden_size, 64);
  EXPECT_EQ(c.engram->hash.layer_ids, (std::vector<int64_t>{1, 3}));
  // Round trip through our writer.
  const model::ModelConfig back = parse_hf_config(to_hf_json(c), "config.json");
  EXPECT_EQ(to_hf_json(back), to_hf_json(c));
  j["engram"]["layer_ids"] = {1, 4};
  expect_rejected(j, "beyond the last layer");
}

TEST(HfConfig, UnknownTypesMissingFieldsAndInconsistenciesAreNamed) {
  json j = deepseek_v3();
  j["model_type"] = "mixtral";
  expect_rejected(j, "'mixtral' is not supported");
  j = deepseek_v3();
  j.erase("kv_lora_rank");
  expect_rejected(j, "missing required field 'kv_lora_rank'");
  j = llama();
  j.erase("hidden_size");
  expect_rejected(j, "missing required field 'hidden_size'");
  j = deepseek_v3();
  j["num_experts_per_tok"] = 9;
  expect_rejected(j, "num_experts_per_tok");
  j = llama();
  j["num_attention_heads"] = 5;
  j["num_key_value_heads"] = 5;
  expect_rejected(j, "does not divide hidden_size");
  j = llama();
  j["num_key_value_heads"] = 4;
  expect_rejected(j, "num_key_value_heads");
  j = llama();
  j["hidden_size"] = "48";
  expect_rejected(j, "expected an integer");
  j = deepseek_v3();
  j["scoring_func"] = "relu";
  expect_rejected(j, "scoring_func");
  j = deepseek_v3();
  j["rope_scaling"]["type"] = "ntk-magic";
  expect_rejected(j, "rope_scaling.type");
  expect_rejected(json::array(), "JSON object");
  EXPECT_THROW(load_hf_config("/nonexistent/config.json"), std::invalid_argument);
}

}  // namespace
}  // namespace engram::io
