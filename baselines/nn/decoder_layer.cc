#include "baselines/nn/decoder_layer.h"

#include <ATen/ATen.h>

namespace engram::model {

DecoderLayerImpl::DecoderLayerImpl(const ModelConfig& config, int64_t layer,
                                   std::shared_ptr<const NgramHashMapping> hashing) {
  const int64_t d = config.hidden_size;
  input_layernorm = register_module("input_layernorm", HfRMSNorm(d, config.rms_norm_eps));
  if (config.mla) {
    self_attn = register_module("self_attn", std::make_shared<MlaAttentionImpl>(config));
  } else {
    self_attn = register_module("self_attn", std::make_shared<GqaAttentionImpl>(config));
  }
  post_attention_layernorm = register_module("post_attention_layernorm", HfRMSNorm(d, config.rms_norm_eps));
  if (config.is_moe_layer(layer)) {
    moe_mlp = register_module("mlp", Moe(*config.moe, d));
  } else {
    dense_mlp = register_module("mlp", SwiGlu(d, config.intermediate_size));
  }
  if (config.engram) {
    for (int64_t id : config.engram->hash.layer_ids) {
      if (id == layer) {
        if (!hashing) throw std::invalid_argument("Engram layer " + std::to_string(layer) + " needs a hash mapping");
        engram = register_module("engram", Engram(*config.engram, hashing, layer));
      }
    }
  }
  if (config.hc_mult > 1) {
    attn_hc = register_module("attn_hc", HyperConnection(config.hc_mult, d, config.hc_sinkhorn_iters, config.hc_eps,
                                                         config.rms_norm_eps));
    ffn_hc = register_module("ffn_hc", HyperConnection(config.hc_mult, d, config.hc_sinkhorn_iters, config.hc_eps,
                                                       config.rms_norm_eps));
  }
}

torch::Tensor DecoderLayerImpl::ffn(const torch::Tensor& x) {
  return moe_mlp ? moe_mlp->forward(x) : dense_mlp->forward(x);
}

torch::Tensor DecoderLayerImpl::forward(torch::Tensor state, const torch::Tensor& input_ids,
                                        const StepInputs& inputs, AttentionCache* attention_cache,
                                        EngramState* engram_state) {
  if (engram) {
    // Added to every branch directly, outside mHC's read and write (mhc.md 2.5).
    state = state + (engram_state ? engram->forward_incremental(state, input_ids, *engram_state, inputs.token_mask)
                                  : engram->forward(state, input_ids, inputs.token_mask));
  }
  if (!attn_hc) {
    at::Tensor h = state.squeeze(2);
    h = h + self_attn->forward(input_layernorm->forward(h), inputs, attention_cache);
    h = h + ffn(post_attention_layernorm->forward(h));
    return h.unsqueeze(2);
  }
  HyperMix mix = attn_hc->mix(state);
  const at::Tensor attention_out =
      self_attn->forward(input_layernorm->forward(HyperConnectionImpl::read(state, mix)), inputs, attention_cache);
  state = HyperConnectionImpl::write(state, attention_out, mix);
  mix = ffn_hc->mix(state);
  const at::Tensor ffn_out = ffn(post_attention_layernorm->forward(HyperConnectionImpl::read(state, mix)));
  return HyperConnectionImpl::write(state, ffn_out, mix);
}

}  // namespace engram::model
