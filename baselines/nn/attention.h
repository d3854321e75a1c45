#pragma once
// Self-attention for both families, with Hugging Face parameter names:
//   MLA (deepseek_v3): q_proj | q_a_proj, q_a_layernorm, q_b_proj; kv_a_proj_with_mqa, kv_a_layernorm,
//                      kv_b_proj, o_proj. The cache holds the compressed latent and the rotary key.
//   GQA (llama):       q_proj, k_proj, v_proj, o_proj. The cache holds keys and values.

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>

#include "baselines/model_config.h"
#include "baselines/nn/kv_cache.h"
#include "baselines/nn/layers.h"

namespace engram::model {

// What every layer of one forward step shares: rotary tables and the masks (step_masks.h).
struct StepInputs {
  at::Tensor cos, sin;     // [B, T, rotary_dim], in the weights' dtype
  at::Tensor mask;         // [B or 1, 1, T, past + T] bool (true = attend); undefined: see `causal`
  bool causal = true;      // without a mask: true = top-left causal (no past), false = every key
  at::Tensor token_mask;   // [B, T] bool, false at padding; undefined: no padding in this step
  at::Tensor cache_slots;  // [T] int64: where a preallocated cache takes this step's keys; undefined: appended
};

class AttentionImpl : public torch::nn::Module {
 public:
  virtual torch::Tensor forward(const torch::Tensor& x, const StepInputs& inputs, AttentionCache* cache) = 0;
};

class MlaAttentionImpl : public AttentionImpl {
 public:
  explicit MlaAttentionImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const StepInputs& inputs, AttentionCache* cache) override;

  Linear q_proj{nullptr}, q_a_proj{nullptr}, q_b_proj{nullptr};
  HfRMSNorm q_a_layernorm{nullptr};
  Linear kv_a_proj_with_mqa{nullptr}, kv_b_proj{nullptr}, o_proj{nullptr};
  HfRMSNorm kv_a_layernorm{nullptr};

 private:
  // Keys and values expanded from the latent through kv_b_proj, one per head: [B, H, T, v_head_dim].
  // shared: a paged step's shared prefixes (latent, rotary key), kv_cache.h.
  at::Tensor attend_expanded(const at::Tensor& q_nope, const at::Tensor& q_rot, const at::Tensor& latent,
                             const at::Tensor& k_rot, const std::vector<SharedEntries>& shared,
                             const StepInputs& inputs);
  // kv_b_proj absorbed into the query and the output, attention over the latent itself.
  at::Tensor attend_absorbed(const at::Tensor& q_nope, const at::Tensor& q_rot, const at::Tensor& latent,
                             const at::Tensor& k_rot, const std::vector<SharedEntries>& shared,
                             const StepInputs& inputs);
  // attend_absorbed for a paged decode step, reading the cache's pools in place (paged_attention.h);
  // undefined where that path does not serve the step.
  at::Tensor attend_paged_absorbed(const at::Tensor& q_nope, const at::Tensor& q_rot, const AttentionCache& cache,
                                   const StepInputs& inputs);
  // Per-head keys and values from latent [B, S, rank] and rotary key [B, 1, S, rope].
  std::pair<at::Tensor, at::Tensor> expand(const at::Tensor& latent, const at::Tensor& k_rot);

  int64_t heads_;
  MlaConfig dims_;
  double scale_;
  bool interleave_;
};

class GqaAttentionImpl : public AttentionImpl {
 public:
  explicit GqaAttentionImpl(const ModelConfig& config);
  torch::Tensor forward(const torch::Tensor& x, const StepInputs& inputs, AttentionCache* cache) override;

  // q_proj, k_proj and v_proj as one packed CPU projection (packed_linear.h); the change in packed bytes.
  int64_t fuse_projections() { return qkv_.fuse({q_proj, k_proj, v_proj}); }
  Linear q_proj{nullptr}, k_proj{nullptr}, v_proj{nullptr}, o_proj{nullptr};

 private:
  FusedProjections qkv_;
  int64_t heads_, kv_heads_, head_dim_;
  double scale_;
};

// Whether MLA attends in the latent space (kv_b_proj absorbed into query and output, as DeepSeek's
// inference code does) rather than expanding every key through kv_b_proj: by the multiply-adds of
// each way, for `queries` new tokens over `keys` keys. Decode steps absorb; a prompt without a past
// expands.
bool mla_absorbs(const MlaConfig& dims, int64_t queries, int64_t keys);

// Softmax scale of MLA: qk_head_dim^-0.5, times YaRN's mscale(factor, mscale_all_dim)^2 when set.
double mla_softmax_scale(const ModelConfig& config);
// The rotary dimension a family rotates: MLA's qk_rope_head_dim, GQA's head_dim.
int64_t rotary_dim(const ModelConfig& config);

}  // namespace engram::model
