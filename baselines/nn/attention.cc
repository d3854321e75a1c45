#include "baselines/nn/attention.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>
#include <tuple>
#include <vector>

#include "baselines/nn/paged_attention.h"
#include "baselines/nn/rope.h"
#include "baselines/nn/shared_prefix_attention.h"
#include "baselines/nn/short_query_attention.h"
#include "baselines/nn/step_masks.h"

namespace engram::model {
namespace {

// transformers builds MLA's two latent norms without passing rms_norm_eps (docs/hf-model-notes.md 1.1).
constexpr double kLatentNormEps = 1e-6;

// A preallocated cache (CUDA graphs) is written in place at `slots`, so tensor addresses stay fixed.
at::Tensor store_at_slots(at::Tensor& cached, const at::Tensor& fresh, int64_t time_dim, const at::Tensor& slots) {
  return cached.index_copy_(time_dim, slots, fresh);
}

// grouped: k and v have fewer heads than q (each shared by q's heads / k's heads), which SDPA
// broadcasts itself instead of copying them per query head.
at::Tensor attend_rows(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                       bool causal, double scale, bool grouped) {
  if (prefers_short_query_attention(q, mask, causal)) return short_query_attention(q, k, v, mask, scale);
  if (mask.defined()) return at::scaled_dot_product_attention(q, k, v, mask, 0.0, /*is_causal=*/false, scale, grouped);
  return at::scaled_dot_product_attention(q, k, v, std::nullopt, 0.0, causal, scale, grouped);
}

// A range of rows' shared prefix (kv_cache.h's SharedEntries) as keys and values in the layout of
// the rows' own k and v, one row; undefined where the range shares nothing.
struct SharedKeys {
  int64_t first_row = 0, rows = 0;
  at::Tensor k, v;
};

template <class MakeKeys>
std::vector<SharedKeys> shared_keys(const std::vector<SharedEntries>& entries, MakeKeys&& make_keys) {
  std::vector<SharedKeys> out;
  for (const SharedEntries& entry : entries) {
    SharedKeys keys{entry.first_row, entry.rows, {}, {}};
    if (entry.first.defined()) std::tie(keys.k, keys.v) = make_keys(entry.first, entry.second);
    out.push_back(std::move(keys));
  }
  return out;
}

// shared: a paged step's row ranges, each attending to its shared prefix (if any) before its own
// keys k and v; empty: every row attends to its own keys only.
at::Tensor attend(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const StepInputs& inputs,
                  double scale, bool grouped, const std::vector<SharedKeys>& shared = {}) {
  if (shared.empty()) return attend_rows(q, k, v, inputs.mask, inputs.causal, scale, grouped);
  // Without a mask, several new tokens after the prefix (rows whose whole cache is the prefix) still
  // see only their own past: shared_prefix_attention treats no mask as every key visible.
  at::Tensor own_mask = inputs.mask;
  const int64_t length = q.size(2), own = k.size(2);
  if (!own_mask.defined() && inputs.causal && length > 1) {
    own_mask = bottom_right_causal(own - length, length, q.device()).view({1, 1, length, own});
  }
  std::vector<at::Tensor> outputs;
  for (const SharedKeys& range : shared) {
    const auto rows = [&range](const at::Tensor& t) { return t.narrow(0, range.first_row, range.rows); };
    const at::Tensor mask = own_mask.defined() && own_mask.size(0) > 1 ? rows(own_mask) : own_mask;
    outputs.push_back(range.k.defined()
                          ? shared_prefix_attention(rows(q), range.k, range.v, rows(k), rows(v), mask, scale)
                          : attend_rows(rows(q), rows(k), rows(v), mask, inputs.causal, scale, grouped));
  }
  return outputs.size() == 1 ? outputs.front() : at::cat(outputs, 0);
}

// Longest shared prefix a paged step's rows read before their own keys.
int64_t longest_shared_prefix(const PagedStep& step) {
  int64_t longest = 0;
  for (const PagedStep::SharedRows& range : step.shared) {
    if (range.slots.defined()) longest = std::max(longest, range.slots.numel());
  }
  return longest;
}

// A paged decode step that can read the pools in place (paged_attention.h), judged before its
// entries are stored.
bool reads_pools_in_place(const at::Tensor& q, const AttentionCache* cache, const StepInputs& inputs) {
  return cache && cache->step && !inputs.cache_slots.defined() && paged_attention_takes_queries(q);
}

}  // namespace

bool mla_absorbs(const MlaConfig& dims, int64_t queries, int64_t keys) {
  const int64_t rank = dims.kv_lora_rank;
  const int64_t expanded = keys * rank * (dims.qk_nope_head_dim + dims.v_head_dim) +
                           queries * keys * (dims.qk_nope_head_dim + dims.qk_rope_head_dim + dims.v_head_dim);
  const int64_t absorbed = queries * rank * (dims.qk_nope_head_dim + dims.v_head_dim) +
                           queries * keys * (2 * rank + dims.qk_rope_head_dim);
  return absorbed < expanded;
}

int64_t rotary_dim(const ModelConfig& config) {
  return config.mla ? config.mla->qk_rope_head_dim : config.head_dim;
}

double mla_softmax_scale(const ModelConfig& config) {
  double scale = 1.0 / std::sqrt(static_cast<double>(config.mla->qk_nope_head_dim + config.mla->qk_rope_head_dim));
  if (config.rope_scaling && config.rope_scaling->mscale_all_dim != 0) {
    const double m = yarn_mscale(config.rope_scaling->factor, config.rope_scaling->mscale_all_dim);
    scale *= m * m;
  }
  return scale;
}

MlaAttentionImpl::MlaAttentionImpl(const ModelConfig& config)
    : heads_(config.num_attention_heads), dims_(*config.mla), scale_(mla_softmax_scale(config)),
      interleave_(config.rope_interleave) {
  const int64_t d = config.hidden_size;
  const int64_t qk_dim = dims_.qk_nope_head_dim + dims_.qk_rope_head_dim;
  if (dims_.q_lora_rank == 0) {
    q_proj = register_module("q_proj", linear(d, heads_ * qk_dim));
  } else {
    q_a_proj = register_module("q_a_proj", linear(d, dims_.q_lora_rank));
    q_a_layernorm = register_module("q_a_layernorm", HfRMSNorm(dims_.q_lora_rank, kLatentNormEps));
    q_b_proj = register_module("q_b_proj", linear(dims_.q_lora_rank, heads_ * qk_dim));
  }
  kv_a_proj_with_mqa = register_module("kv_a_proj_with_mqa", linear(d, dims_.kv_lora_rank + dims_.qk_rope_head_dim));
  kv_a_layernorm = register_module("kv_a_layernorm", HfRMSNorm(dims_.kv_lora_rank, kLatentNormEps));
  kv_b_proj = register_module("kv_b_proj",
                              linear(dims_.kv_lora_rank, heads_ * (dims_.qk_nope_head_dim + dims_.v_head_dim)));
  o_proj = register_module("o_proj", linear(heads_ * dims_.v_head_dim, d));
}

torch::Tensor MlaAttentionImpl::forward(const torch::Tensor& x, const StepInputs& inputs, AttentionCache* cache) {
  const int64_t batch = x.size(0), length = x.size(1);
  const int64_t nope = dims_.qk_nope_head_dim, rope = dims_.qk_rope_head_dim;
  const at::Tensor q_flat = q_proj ? q_proj->forward(x) : q_b_proj->forward(q_a_layernorm->forward(q_a_proj->forward(x)));
  const at::Tensor q = q_flat.view({batch, length, heads_, nope + rope}).transpose(1, 2);
  const at::Tensor q_nope = q.narrow(-1, 0, nope);
  const at::Tensor q_rot = apply_rotary(q.narrow(-1, nope, rope), inputs.cos, inputs.sin, interleave_);

  const at::Tensor kv_a = kv_a_proj_with_mqa->forward(x);
  at::Tensor latent = kv_a_layernorm->forward(kv_a.narrow(-1, 0, dims_.kv_lora_rank));
  at::Tensor k_rot = apply_rotary(kv_a.narrow(-1, dims_.kv_lora_rank, rope).view({batch, 1, length, rope}),
                                  inputs.cos, inputs.sin, interleave_);
  if (reads_pools_in_place(q_rot, cache, inputs) && !kv_b_proj->bias.defined() &&
      mla_absorbs(dims_, length, cache->step->read_slots.size(1) + longest_shared_prefix(*cache->step))) {
    cache->store_paged(latent, 1, k_rot, 2);
    const at::Tensor out = attend_paged_absorbed(q_nope, q_rot, *cache, inputs);
    // Otherwise append() below stores the same entries again and gathers them.
    if (out.defined()) return o_proj->forward(out.transpose(1, 2).reshape({batch, length, heads_ * dims_.v_head_dim}));
  }
  std::vector<SharedEntries> shared;  // the step's shared prefixes: latent, rotary key
  if (cache && inputs.cache_slots.defined()) {
    latent = store_at_slots(cache->first, latent, 1, inputs.cache_slots);
    k_rot = store_at_slots(cache->second, k_rot, 2, inputs.cache_slots);
  } else if (cache) {
    std::tie(latent, k_rot) = cache->append(latent, 1, k_rot, 2);
    shared = cache->shared_prefixes(1, 2);
  }
  int64_t keys = latent.size(1);
  for (const SharedEntries& range : shared) {
    if (range.first.defined()) keys = std::max(keys, latent.size(1) + range.first.size(1));
  }
  const at::Tensor out = mla_absorbs(dims_, length, keys) && !kv_b_proj->bias.defined()
                             ? attend_absorbed(q_nope, q_rot, latent, k_rot, shared, inputs)
                             : attend_expanded(q_nope, q_rot, latent, k_rot, shared, inputs);
  return o_proj->forward(out.transpose(1, 2).reshape({batch, length, heads_ * dims_.v_head_dim}));
}

std::pair<at::Tensor, at::Tensor> MlaAttentionImpl::expand(const at::Tensor& latent, const at::Tensor& k_rot) {
  const int64_t batch = latent.size(0), keys = latent.size(1);
  const int64_t nope = dims_.qk_nope_head_dim, rope = dims_.qk_rope_head_dim;
  const at::Tensor kv = kv_b_proj->forward(latent).view({batch, keys, heads_, nope + dims_.v_head_dim}).transpose(1, 2);
  return {at::cat({kv.narrow(-1, 0, nope), k_rot.expand({batch, heads_, keys, rope})}, -1),
          kv.narrow(-1, nope, dims_.v_head_dim)};
}

at::Tensor MlaAttentionImpl::attend_expanded(const at::Tensor& q_nope, const at::Tensor& q_rot, const at::Tensor& latent,
                                             const at::Tensor& k_rot, const std::vector<SharedEntries>& shared,
                                             const StepInputs& inputs) {
  const auto [k, v] = expand(latent, k_rot);
  return attend(at::cat({q_nope, q_rot}, -1), k, v, inputs, scale_, /*grouped=*/false,
                shared_keys(shared, [this](const at::Tensor& l, const at::Tensor& r) { return expand(l, r); }));
}

// q_nope . (W_k latent) = (q_nope W_k) . latent, and sum_s p_s (W_v latent_s) = W_v (sum_s p_s latent_s):
// every head attends over the one shared latent (plus the shared rotary key), so the cache is never
// expanded per head.
at::Tensor MlaAttentionImpl::attend_absorbed(const at::Tensor& q_nope, const at::Tensor& q_rot, const at::Tensor& latent,
                                             const at::Tensor& k_rot, const std::vector<SharedEntries>& shared,
                                             const StepInputs& inputs) {
  const int64_t nope = dims_.qk_nope_head_dim, rank = dims_.kv_lora_rank;
  const at::Tensor w = kv_b_proj->weight.view({heads_, nope + dims_.v_head_dim, rank});
  const at::Tensor q_latent = at::matmul(q_nope, w.narrow(1, 0, nope));  // [B, H, T, rank]
  // Keys: the latent with the rotary key beside it, [B, 1, S, rank + rope]; values: the latent.
  const auto latent_keys = [](const at::Tensor& l, const at::Tensor& r) {
    return std::pair<at::Tensor, at::Tensor>{at::cat({l.unsqueeze(1), r}, -1), l.unsqueeze(1)};
  };
  const auto [k, v] = latent_keys(latent, k_rot);
  const at::Tensor out_latent =
      attend(at::cat({q_latent, q_rot}, -1), k, v, inputs, scale_, /*grouped=*/true,
             shared_keys(shared, latent_keys));
  // [B, H, T, rank]
  return at::matmul(out_latent, w.narrow(1, nope, dims_.v_head_dim).transpose(1, 2));
}

at::Tensor MlaAttentionImpl::attend_paged_absorbed(const at::Tensor& q_nope, const at::Tensor& q_rot,
                                                  const AttentionCache& cache, const StepInputs& inputs) {
  const int64_t nope = dims_.qk_nope_head_dim, rank = dims_.kv_lora_rank;
  const at::Tensor w = kv_b_proj->weight.view({heads_, nope + dims_.v_head_dim, rank});
  // The latent pool [slots, rank] is one key head's keys (with the rotary pool beside) and values.
  const at::Tensor latent_pool = cache.first_pool.unsqueeze(1);
  PagedAttentionInputs paged;
  paged.q = at::cat({at::matmul(q_nope, w.narrow(1, 0, nope)), q_rot}, -1);
  paged.key_pool = latent_pool;
  paged.key_extra = cache.second_pool;
  paged.value_pool = latent_pool;
  paged.step = cache.step.get();
  paged.mask = inputs.mask;
  paged.causal = inputs.causal;
  paged.scale = scale_;
  if (!paged_attention_serves(paged)) return {};
  return at::matmul(paged_attention(paged), w.narrow(1, nope, dims_.v_head_dim).transpose(1, 2));
}

GqaAttentionImpl::GqaAttentionImpl(const ModelConfig& config)
    : heads_(config.num_attention_heads), kv_heads_(config.num_key_value_heads), head_dim_(config.head_dim),
      scale_(1.0 / std::sqrt(static_cast<double>(config.head_dim))) {
  const int64_t d = config.hidden_size;
  q_proj = register_module("q_proj", linear(d, heads_ * head_dim_, config.attention_bias));
  k_proj = register_module("k_proj", linear(d, kv_heads_ * head_dim_, config.attention_bias));
  v_proj = register_module("v_proj", linear(d, kv_heads_ * head_dim_, config.attention_bias));
  o_proj = register_module("o_proj", linear(heads_ * head_dim_, d, config.attention_bias));
}

torch::Tensor GqaAttentionImpl::forward(const torch::Tensor& x, const StepInputs& inputs, AttentionCache* cache) {
  const int64_t batch = x.size(0), length = x.size(1);
  std::vector<at::Tensor> qkv = qkv_.forward(x);
  if (qkv.empty()) qkv = {q_proj->forward(x), k_proj->forward(x), v_proj->forward(x)};
  const at::Tensor q = apply_rotary(qkv[0].view({batch, length, heads_, head_dim_}).transpose(1, 2),
                                    inputs.cos, inputs.sin, false);
  at::Tensor k = apply_rotary(qkv[1].view({batch, length, kv_heads_, head_dim_}).transpose(1, 2),
                              inputs.cos, inputs.sin, false);
  at::Tensor v = qkv[2].view({batch, length, kv_heads_, head_dim_}).transpose(1, 2);
  if (reads_pools_in_place(q, cache, inputs)) {
    cache->store_paged(k, 2, v, 2);
    PagedAttentionInputs paged;
    paged.q = q;
    paged.key_pool = cache->first_pool;
    paged.value_pool = cache->second_pool;
    paged.step = cache->step.get();
    paged.mask = inputs.mask;
    paged.causal = inputs.causal;
    paged.scale = scale_;
    // Otherwise append() below stores the same entries again and gathers them.
    if (paged_attention_serves(paged)) {
      return o_proj->forward(paged_attention(paged).transpose(1, 2).reshape({batch, length, heads_ * head_dim_}));
    }
  }
  std::vector<SharedEntries> shared;
  if (cache && inputs.cache_slots.defined()) {
    k = store_at_slots(cache->first, k, 2, inputs.cache_slots);
    v = store_at_slots(cache->second, v, 2, inputs.cache_slots);
  } else if (cache) {
    std::tie(k, v) = cache->append(k, 2, v, 2);
    shared = cache->shared_prefixes(2, 2);
  }
  const at::Tensor out =
      attend(q, k, v, inputs, scale_, /*grouped=*/kv_heads_ != heads_,
             shared_keys(shared, [](const at::Tensor& keys, const at::Tensor& values) { return std::pair{keys, values}; }));
  return o_proj->forward(out.transpose(1, 2).reshape({batch, length, heads_ * head_dim_}));
}

}  // namespace engram::model
