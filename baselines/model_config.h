#pragma once
// What a model is, independent of where it came from (a Hugging Face config.json, a preset):
// the decoder backbone, its attention (MLA or grouped-query), its FFNs (DeepSeekMoE or dense SwiGLU),
// the hyper-connection residual stream and the Engram memory. No LibTorch here.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "engram/engram_config.h"

namespace engram::model {

enum class Family { kDeepSeekV3, kLlama };

// RoPE scaling as config.json spells it; "yarn" (DeepSeek-V3) and "llama3" are the ones we compute.
struct RopeScaling {
  std::string type;  // "yarn", "llama3", "linear", "dynamic"
  double factor = 1.0;
  int64_t original_max_position_embeddings = 0;
  double beta_fast = 32.0, beta_slow = 1.0;      // yarn
  double mscale = 1.0, mscale_all_dim = 0.0;     // yarn (DeepSeek)
  std::optional<double> attention_factor;        // yarn: overrides the mscale-derived cos/sin factor
  bool truncate = true;                          // yarn: round the blend range to whole dimensions
  double low_freq_factor = 1.0, high_freq_factor = 4.0;  // llama3
};

// Multi-head Latent Attention (DeepSeek-V2/V3): low-rank KV with a decoupled RoPE key.
struct MlaConfig {
  int64_t q_lora_rank = 0;  // 0: full-rank query projection
  int64_t kv_lora_rank = 0;
  int64_t qk_nope_head_dim = 0;
  int64_t qk_rope_head_dim = 0;
  int64_t v_head_dim = 0;
};

// DeepSeekMoE: shared experts plus fine-grained routed experts.
struct MoeConfig {
  int64_t n_routed_experts = 0;
  int64_t n_shared_experts = 0;
  int64_t num_experts_per_tok = 0;
  int64_t moe_intermediate_size = 0;
  int64_t first_k_dense_replace = 0;  // leading dense layers
  int64_t moe_layer_freq = 1;
  std::string scoring_func = "sigmoid";  // "softmax" | "sigmoid"
  std::string topk_method = "noaux_tc";  // "greedy" | "group_limited_greedy" | "noaux_tc"
  int64_t n_group = 1;
  int64_t topk_group = 1;
  double routed_scaling_factor = 1.0;
  bool norm_topk_prob = true;
};

struct ModelConfig {
  std::string model_type;  // "deepseek_v3" | "llama"
  Family family = Family::kLlama;
  int64_t vocab_size = 0;
  int64_t hidden_size = 0;
  int64_t intermediate_size = 0;  // dense FFN width
  int64_t num_hidden_layers = 0;
  int64_t num_attention_heads = 0;
  int64_t num_key_value_heads = 0;
  int64_t head_dim = 0;  // llama: defaults to hidden / heads
  int64_t max_position_embeddings = 4096;
  double rms_norm_eps = 1e-6;
  double rope_theta = 10000.0;
  std::optional<RopeScaling> rope_scaling;
  bool tie_word_embeddings = false;
  bool attention_bias = false;
  std::string hidden_act = "silu";
  std::optional<int64_t> bos_token_id, eos_token_id, pad_token_id;

  std::optional<MlaConfig> mla;  // deepseek_v3
  std::optional<MoeConfig> moe;  // deepseek_v3 (absent: every layer dense)

  double initializer_range = 0.02;  // std of random initialisation
  bool rope_interleave = true;       // deepseek_v3: rotary pairs are adjacent elements (HF default)

  // Extensions: hyper-connection branches (1 = plain residual) and the Engram memory.
  int64_t hc_mult = 1;
  int64_t hc_sinkhorn_iters = 20;  // mHC Sinkhorn-Knopp iterations (mhc.md 2.4)
  double hc_eps = 1e-6;            // DeepSeek-V4's hc_eps: after the softmax, in denominators, on H^pre
  std::optional<EngramConfig> engram;

  bool is_moe_layer(int64_t layer) const;
  // Throws std::invalid_argument naming the field; `source` prefixes the message.
  void validate(const std::string& source = "model config") const;
};

}  // namespace engram::model
