#include "baselines/model_config.h"

#include <stdexcept>

namespace engram::model {

bool ModelConfig::is_moe_layer(int64_t layer) const {
  return moe && layer >= moe->first_k_dense_replace && (layer % moe->moe_layer_freq) == 0;
}

namespace {

// Errors name the source and the field.
class FieldChecks {
 public:
  explicit FieldChecks(const std::string& source) : source_(source) {}
  [[noreturn]] void fail(const std::string& field, const std::string& why) const {
    throw std::invalid_argument(source_ + ": field '" + field + "': " + why);
  }
  void positive(const std::string& field, int64_t value) const {
    if (value < 1) fail(field, "must be positive, got " + std::to_string(value));
  }
  const std::string& source() const { return source_; }

 private:
  const std::string& source_;
};

void validate_attention(const ModelConfig& c, const FieldChecks& check) {
  if (c.num_attention_heads % c.num_key_value_heads != 0) {
    check.fail("num_key_value_heads", std::to_string(c.num_key_value_heads) + " does not divide num_attention_heads " +
                                          std::to_string(c.num_attention_heads));
  }
  if (c.family == Family::kLlama) {
    check.positive("intermediate_size", c.intermediate_size);
    if (c.head_dim == 0 && c.hidden_size % c.num_attention_heads != 0) {
      check.fail("num_attention_heads", std::to_string(c.num_attention_heads) + " does not divide hidden_size " +
                                            std::to_string(c.hidden_size));
    }
  }
  if (c.mla) {
    const MlaConfig& mla = *c.mla;
    if (mla.q_lora_rank < 0) check.fail("q_lora_rank", "must be 0 (no low-rank query) or positive");
    check.positive("kv_lora_rank", mla.kv_lora_rank);
    check.positive("qk_nope_head_dim", mla.qk_nope_head_dim);
    check.positive("qk_rope_head_dim", mla.qk_rope_head_dim);
    check.positive("v_head_dim", mla.v_head_dim);
    if (mla.qk_rope_head_dim % 2 != 0) check.fail("qk_rope_head_dim", "must be even for rotary embedding");
  } else if (c.family == Family::kDeepSeekV3) {
    check.fail("kv_lora_rank", "deepseek_v3 needs the MLA fields");
  }
}

void validate_moe(const MoeConfig& moe, const ModelConfig& c, const FieldChecks& check) {
  check.positive("n_routed_experts", moe.n_routed_experts);
  check.positive("num_experts_per_tok", moe.num_experts_per_tok);
  check.positive("moe_intermediate_size", moe.moe_intermediate_size);
  check.positive("moe_layer_freq", moe.moe_layer_freq);
  check.positive("n_group", moe.n_group);
  check.positive("topk_group", moe.topk_group);
  if (moe.n_shared_experts < 0) check.fail("n_shared_experts", "must not be negative");
  if (moe.num_experts_per_tok > moe.n_routed_experts) {
    check.fail("num_experts_per_tok", std::to_string(moe.num_experts_per_tok) + " is above n_routed_experts " +
                                          std::to_string(moe.n_routed_experts));
  }
  if (moe.n_routed_experts % moe.n_group != 0) check.fail("n_group", "must divide n_routed_experts");
  if (moe.topk_group > moe.n_group) check.fail("topk_group", "must not exceed n_group");
  if (moe.scoring_func != "softmax" && moe.scoring_func != "sigmoid") {
    check.fail("scoring_func", "'" + moe.scoring_func + "' is not softmax or sigmoid");
  }
  if (moe.topk_method != "greedy" && moe.topk_method != "group_limited_greedy" && moe.topk_method != "noaux_tc") {
    check.fail("topk_method", "'" + moe.topk_method + "' is not greedy, group_limited_greedy or noaux_tc");
  }
  if (moe.first_k_dense_replace < 0 || moe.first_k_dense_replace > c.num_hidden_layers) {
    check.fail("first_k_dense_replace", "must lie in 0..num_hidden_layers");
  }
  if (moe.first_k_dense_replace > 0) check.positive("intermediate_size", c.intermediate_size);
}

void validate_rope_scaling(const RopeScaling& scaling, const FieldChecks& check) {
  const auto& t = scaling.type;
  if (t != "yarn" && t != "llama3" && t != "linear" && t != "dynamic" && t != "default") {
    check.fail("rope_scaling.type", "'" + t + "' is not supported (yarn, llama3, linear, dynamic)");
  }
  if (!(scaling.factor > 0)) check.fail("rope_scaling.factor", "must be positive");
}

void validate_engram_block(const ModelConfig& c, const FieldChecks& check) {
  try {
    c.engram->validate();
  } catch (const std::invalid_argument& e) {
    throw std::invalid_argument(check.source() + ": engram block: " + e.what());
  }
  if (c.engram->hidden_size != c.hidden_size) check.fail("engram.hidden_size", "must equal hidden_size");
  if (c.engram->hc_mult != c.hc_mult) check.fail("engram.hc_mult", "must equal the hyper-connection branch count");
  for (int64_t layer : c.engram->hash.layer_ids) {
    if (layer >= c.num_hidden_layers) {
      check.fail("engram.layer_ids", "layer " + std::to_string(layer) + " is beyond the last layer (" +
                                         std::to_string(c.num_hidden_layers - 1) + ")");
    }
  }
}

}  // namespace

void ModelConfig::validate(const std::string& source) const {
  const FieldChecks check(source);
  check.positive("vocab_size", vocab_size);
  check.positive("hidden_size", hidden_size);
  check.positive("num_hidden_layers", num_hidden_layers);
  check.positive("num_attention_heads", num_attention_heads);
  check.positive("num_key_value_heads", num_key_value_heads);
  check.positive("hc_mult", hc_mult);
  check.positive("hc_sinkhorn_iters", hc_sinkhorn_iters);
  if (!(hc_eps >= 0)) check.fail("hc_eps", "must not be negative");
  if (!(rms_norm_eps > 0)) check.fail("rms_norm_eps", "must be positive");
  if (!(rope_theta > 0)) check.fail("rope_theta", "must be positive");
  validate_attention(*this, check);
  if (moe) validate_moe(*moe, *this, check);
  if (!moe || moe->moe_layer_freq > 1) check.positive("intermediate_size", intermediate_size);  // some layer is dense
  if (rope_scaling) validate_rope_scaling(*rope_scaling, check);
  if (engram) validate_engram_block(*this, check);
}

}  // namespace engram::model
