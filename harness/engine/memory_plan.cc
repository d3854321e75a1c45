#include "harness/engine/memory_plan.h"

#include <torch/nn/module.h>

#include <algorithm>
#include <stdexcept>
#include <unordered_set>

#include "baselines/accounting.h"

namespace engram::harness {
namespace {

constexpr int64_t kIndexBytes = 8;    // int64 token ids, hash ids, expert indices
constexpr int64_t kFloat32Bytes = 4;  // router scores and logits are float32 whatever the weights

int64_t attention_elements_per_token(const model::ModelConfig& c) {
  const int64_t heads = c.num_attention_heads;
  if (c.mla) {
    const model::MlaConfig& m = *c.mla;
    const int64_t qk = m.qk_nope_head_dim + m.qk_rope_head_dim;
    // query (and its rotated copy), the latent + rope key, the up-projected kv, the expanded keys,
    // and the attention output before o_proj.
    return m.q_lora_rank + 2 * heads * qk + (m.kv_lora_rank + m.qk_rope_head_dim) +
           heads * (m.qk_nope_head_dim + m.v_head_dim) + heads * qk + heads * m.v_head_dim;
  }
  const int64_t hd = c.head_dim > 0 ? c.head_dim : c.hidden_size / heads;
  // q, k, v, then k and v repeated to every query head, then the output.
  return (heads + 2 * c.num_key_value_heads) * hd + 2 * heads * hd + heads * hd;
}

// Element count and fixed-dtype bytes of the feed-forward block of the widest layer.
std::pair<int64_t, int64_t> ffn_per_token(const model::ModelConfig& c) {
  const int64_t d = c.hidden_size;
  int64_t elements = 0, fixed_bytes = 0;
  const bool any_dense = !c.moe || c.moe->first_k_dense_replace > 0 || c.moe->moe_layer_freq > 1;
  if (any_dense) elements = 3 * c.intermediate_size + d;  // gate, up, their product, the output
  if (c.moe) {
    const model::MoeConfig& m = *c.moe;
    // Each token is copied to its top-k experts: input, gate, up, product, output per copy, plus the
    // shared experts' SwiGLU and the weighted sum.
    const int64_t moe_elements =
        m.num_experts_per_tok * (2 * d + 3 * m.moe_intermediate_size) + 3 * m.moe_intermediate_size * m.n_shared_experts + 2 * d;
    elements = std::max(elements, moe_elements);
    // Router: scores and their biased copy over every expert, top-k weights and indices, the sort order.
    fixed_bytes = 2 * m.n_routed_experts * kFloat32Bytes + m.num_experts_per_tok * (kFloat32Bytes + 2 * kIndexBytes);
  }
  return {elements, fixed_bytes};
}

}  // namespace

nlohmann::json MemoryPlan::to_json() const {
  return {{"method", "analytic: weights + scoring logits + batch x (max_sequence_length x per-token terms + per-sequence terms)"},
          {"batch_rounding", "largest power of two that fits"},
          {"weight_bytes", request.weight_bytes},
          {"element_bytes", request.element_bytes},
          {"max_sequence_length", request.max_sequence_length},
          {"projected_positions", request.projected_positions},
          {"kv_cache_bytes_per_token", kv_cache_bytes_per_token},
          {"activation_bytes_per_token", activation_bytes_per_token},
          {"attention_mask_bytes_per_token", attention_mask_bytes_per_token},
          {"engram_bytes_per_token", engram_bytes_per_token},
          {"engram_state_bytes_per_sequence", engram_state_bytes_per_sequence},
          {"logits_bytes_per_sequence", logits_bytes_per_sequence},
          {"bytes_per_sequence", bytes_per_sequence},
          {"scoring_logits_bytes", scoring_logits_bytes},
          {"budget_bytes", request.budget_bytes},
          {"budget_source", request.budget_source},
          {"available_bytes", available_bytes},
          {"max_batch", request.max_batch},
          {"batch_size", batch_size}};
}

MemoryPlan plan_memory(const model::ModelConfig& config, const MemoryPlanRequest& request) {
  if (request.max_sequence_length < 1) throw std::invalid_argument("memory plan: max_sequence_length must be positive");
  if (request.element_bytes < 1) throw std::invalid_argument("memory plan: element_bytes must be positive");
  if (request.projected_positions < 1 || request.projected_positions > request.max_sequence_length) {
    throw std::invalid_argument("memory plan: projected_positions must be in [1, max_sequence_length]");
  }
  if (request.max_batch < 1) throw std::invalid_argument("memory plan: max_batch must be positive");
  if (request.weight_bytes < 0 || request.budget_bytes < 0) {
    throw std::invalid_argument("memory plan: weight and budget bytes must not be negative");
  }
  MemoryPlan plan;
  plan.request = request;
  const int64_t e = request.element_bytes;
  const int64_t d = config.hidden_size, n = config.hc_mult;
  plan.kv_cache_bytes_per_token = model::kv_cache_elements_per_token(config) * e;

  // A layer holds its input streams and, writing the branch back (mHC), the mixed streams, the
  // weighted branch output and the result, plus the branch it feeds the sublayer; it runs attention
  // and the FFN one after the other: the larger of the two is live. 3 n d (input, output, branch)
  // fell short of the peak resident growth measured on tiny-moe by a quarter
  // (tests/test_memory_plan_rss.cc): 5 n d.
  const auto [ffn_elements, router_bytes] = ffn_per_token(config);
  plan.activation_bytes_per_token =
      (5 * n * d + std::max(attention_elements_per_token(config), ffn_elements)) * e + router_bytes;
  // Per query, over its T keys: the boolean mask [B, 1, T, T] (built whenever there is a cache or
  // padding) and its combination with the padding (1 byte each), the additive float mask SDPA
  // derives from it, and the weights of every head, which SDPA's CPU path materialises given a mask.
  plan.attention_mask_bytes_per_token =
      request.max_sequence_length * (2 + kFloat32Bytes + config.num_attention_heads * e);

  if (config.engram) {
    const EngramConfig& g = *config.engram;
    const int64_t layers = static_cast<int64_t>(g.hash.layer_ids.size());
    // Hash ids of every Engram layer (their indices depend only on the tokens), the compressed ids,
    // and for the layer running: gathered rows, value, per-branch keys and gates, conv input and output.
    plan.engram_bytes_per_token = layers * g.hash.heads_per_layer() * kIndexBytes + kIndexBytes +
                                  (g.engram_hidden_size() + d + 3 * n * d + n) * e;
    plan.engram_state_bytes_per_sequence =
        model::engram_conv_state_elements(config) * e + layers * (g.hash.max_ngram_size - 1) * kIndexBytes;
  }
  // float32 logits and their log-softmax: one row per generating sequence, and the positions one
  // scoring projection covers.
  plan.logits_bytes_per_sequence = config.vocab_size * kFloat32Bytes * 2;
  plan.scoring_logits_bytes = request.projected_positions * config.vocab_size * kFloat32Bytes * 2;

  const int64_t per_token = plan.kv_cache_bytes_per_token + plan.activation_bytes_per_token +
                            plan.attention_mask_bytes_per_token + plan.engram_bytes_per_token;
  plan.bytes_per_sequence =
      request.max_sequence_length * per_token + plan.engram_state_bytes_per_sequence + plan.logits_bytes_per_sequence;
  plan.available_bytes = request.budget_bytes - request.weight_bytes - plan.scoring_logits_bytes;
  if (plan.available_bytes < plan.bytes_per_sequence) {
    throw std::invalid_argument(
        "memory plan: a budget of " + std::to_string(request.budget_bytes) + " bytes (" + request.budget_source +
        ") leaves " + std::to_string(plan.available_bytes) + " bytes after " + std::to_string(request.weight_bytes) +
        " bytes of weights and " + std::to_string(plan.scoring_logits_bytes) +
        " bytes of scoring logits, less than one sequence of " + std::to_string(request.max_sequence_length) +
        " tokens needs (" + std::to_string(plan.bytes_per_sequence) + " bytes)");
  }
  const int64_t fits = std::min(request.max_batch, plan.available_bytes / plan.bytes_per_sequence);
  plan.batch_size = 1;
  while (plan.batch_size * 2 <= fits) plan.batch_size *= 2;
  return plan;
}

int64_t module_weight_bytes(const torch::nn::Module& module) {
  // A tensor registered under two names (tied weights) occupies its storage once.
  std::unordered_set<const void*> seen;
  int64_t bytes = 0;
  const auto add = [&](const at::Tensor& t) {
    if (!t.defined()) return;
    if (!seen.insert(t.storage().data()).second) return;
    bytes += static_cast<int64_t>(t.storage().nbytes());
  };
  for (const auto& p : module.parameters(true)) add(p);
  for (const auto& b : module.buffers(true)) add(b);
  return bytes;
}

}  // namespace engram::harness
