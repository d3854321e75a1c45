#pragma once
// One transformer block on the multi-branch residual state X [B, T, n, d]:
//   Engram (at its layers) added to every branch, then attention, then the FFN or MoE, each read
//   and written through mHC when n > 1, through the plain residual when n == 1.

#include <torch/nn/module.h>

#include <memory>

#include "baselines/model_config.h"
#include "baselines/nn/attention.h"
#include "baselines/nn/hyper_connections.h"
#include "baselines/nn/kv_cache.h"
#include "baselines/nn/layers.h"
#include "baselines/nn/moe.h"
#include "engram/engram_module.h"

namespace engram::model {

class DecoderLayerImpl : public torch::nn::Module {
 public:
  DecoderLayerImpl(const ModelConfig& config, int64_t layer, std::shared_ptr<const NgramHashMapping> hashing);
  // state [B, T, n, d]; input_ids [B, T] (for Engram). Caches are null for a full forward.
  torch::Tensor forward(torch::Tensor state, const torch::Tensor& input_ids, const StepInputs& inputs,
                        AttentionCache* attention_cache, EngramState* engram_state);

  HfRMSNorm input_layernorm{nullptr}, post_attention_layernorm{nullptr};
  std::shared_ptr<AttentionImpl> self_attn;
  SwiGlu dense_mlp{nullptr};  // registered as "mlp" when the layer is dense
  Moe moe_mlp{nullptr};       // registered as "mlp" when the layer is MoE
  Engram engram{nullptr};
  HyperConnection attn_hc{nullptr}, ffn_hc{nullptr};

 private:
  torch::Tensor ffn(const torch::Tensor& x);
};
TORCH_MODULE(DecoderLayer);

}  // namespace engram::model
