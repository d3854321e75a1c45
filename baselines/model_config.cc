#include "baselines/model_config.h"

#include <stdexcept>

namespace engram::model {

bool ModelConfig::is_moe_layer(int64_t layer) const {
  return moe && layer >= moe->first_k_dense_replace && (layer % moe->moe_layer_freq) == 0;
}

void ModelConfig::validate(const std::string& source) const {
  auto fail = [&](const std::string& field, const std::string& why) {
    throw std::invalid_argument(source + ": field '" + field + "': " + why);
  };
  auto positive = [&](const std::string& field, int64_t value) {
    if (value < 1) fail(field, "must be positive, got " + std::to_string(value));
  };
  positive("vocab_size", vocab_size);
  positive("hidden_size", hidden_size);
  positive("num_hidden_layers", num_hidden_layers);
  positive("num_attention_heads", num_attention_heads);
  positive("num_key_value_heads", num_key_value_heads);
  positive("hc_mult", hc_mult);
  positive("hc_sinkhorn_iters", hc_sinkhorn_iters);
  if (!(hc_eps >= 0)) fail("hc_eps", "must not be negative");
  if (!(rms_norm_eps > 0)) fail("rms_norm_eps", "must be positive");
  if (!(rope_theta > 0)) fail("rope_theta", "must be positive");
  if (num_attention_heads % num_key_value_heads != 0) {
    fail("num_key_value_heads", std::to_string(num_key_value_heads) + " does not divide num_attention_heads " +
                                    std::to_string(num_attention_heads));
  }
  if (family == Family::kLlama) {
    positive("intermediate_size", intermediate_size);
    if (head_dim == 0 && hidden_size % num_attention_heads != 0) {
      fail("num_attention_heads", std::to_string(num_attention_heads) + " does not divide hidden_size " +
                                      std::to_string(hidden_size));
    }
  }
  if (mla) {
    if (mla->q_lora_rank < 0) fail("q_lora_rank", "must be 0 (no low-rank query) or positive");
    positive("kv_lora_rank", mla->kv_lora_rank);
    positive("qk_nope_head_dim", mla->qk_nope_head_dim);
    positive("qk_rope_head_dim", mla->qk_rope_head_dim);
    positive("v_head_dim", mla->v_head_dim);
    if (mla->qk_rope_head_dim % 2 != 0) fail("qk_rope_head_dim", "must be even for rotary embedding");
  } else if (family == Family::kDeepSeekV3) {
    fail("kv_lora_rank", "deepseek_v3 needs the MLA fields");
  }
  if (moe) {
    positive("n_routed_experts", moe->n_routed_experts);
    positive("num_experts_per_tok", moe->num_experts_per_tok);
    positive("moe_intermediate_size", moe->moe_intermediate_size);
    positive("moe_layer_freq", moe->moe_layer_freq);
    positive("n_group", moe->n_group);
    positive("topk_group", moe->topk_group);
    if (moe->n_shared_experts < 0) fail("n_shared_experts", "must not be negative");
    if (moe->num_experts_per_tok > moe->n_routed_experts) {
      fail("num_experts_per_tok", std::to_string(moe->num_experts_per_tok) + " is above n_routed_experts " +
                                      std::to_string(moe->n_routed_experts));
    }
    if (moe->n_routed_experts % moe->n_group != 0) fail("n_group", "must divide n_routed_experts");
    if (moe->topk_group > moe->n_group) fail("topk_group", "must not exceed n_group");
    if (moe->scoring_func != "softmax" && moe->scoring_func != "sigmoid") {
      fail("scoring_func", "'" + moe->scoring_func + "' is not softmax or sigmoid");
    }
    if (moe->topk_method != "greedy" && moe->topk_method != "group_limited_greedy" && moe->topk_method != "noaux_tc") {
      fail("topk_method", "'" + moe->topk_method + "' is not greedy, group_limited_greedy or noaux_tc");
    }
    if (moe->first_k_dense_replace < 0 || moe->first_k_dense_replace > num_hidden_layers) {
      fail("first_k_dense_replace", "must lie in 0..num_hidden_layers");
    }
    if (moe->first_k_dense_replace > 0) positive("intermediate_size", intermediate_size);
  }
  if (!moe || moe->moe_layer_freq > 1) positive("intermediate_size", intermediate_size);  // some layer is dense
  if (rope_scaling) {
    const auto& t = rope_scaling->type;
    if (t != "yarn" && t != "llama3" && t != "linear" && t != "dynamic" && t != "default") {
      fail("rope_scaling.type", "'" + t + "' is not supported (yarn, llama3, linear, dynamic)");
    }
    if (!(rope_scaling->factor > 0)) fail("rope_scaling.factor", "must be positive");
  }
  if (engram) {
    try {
      engram->validate();
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(source + ": engram block: " + e.what());
    }
    if (engram->hidden_size != hidden_size) fail("engram.hidden_size", "must equal hidden_size");
    if (engram->hc_mult != hc_mult) fail("engram.hc_mult", "must equal the hyper-connection branch count");
    for (int64_t layer : engram->hash.layer_ids) {
      if (layer >= num_hidden_layers) {
        fail("engram.layer_ids", "layer " + std::to_string(layer) + " is beyond the last layer (" +
                                     std::to_string(num_hidden_layers - 1) + ")");
      }
    }
  }
}

}  // namespace engram::model
