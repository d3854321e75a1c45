#pragma once
// Per-layer decoding state. Attention keeps what it needs to rebuild keys and values (MLA: the
// compressed latent and the shared rotary key; GQA: keys and values); an Engram layer keeps the last
// token ids and ShortConv inputs its n-grams and causal convolution reach back to.

#include <ATen/core/Tensor.h>

#include "engram/engram_state.h"

#include <vector>

namespace engram::model {

struct AttentionCache {
  at::Tensor first;   // MLA: compressed kv [B, T, kv_lora]; GQA: keys [B, kv_heads, T, head_dim]
  at::Tensor second;  // MLA: rotary key [B, 1, T, rope_dim]; GQA: values [B, kv_heads, T, head_dim]
};

struct KvCache {
  std::vector<AttentionCache> attention;  // one per layer
  std::vector<EngramState> engram;        // one per layer (unused where no Engram)
  int64_t length = 0;                     // positions already processed
  // Preallocated (CausalLM::preallocated_cache, for CUDA graphs): each attention tensor holds
  // `capacity` positions and a step writes at ForwardOptions::cache_slots. 0: grown by concatenation.
  int64_t capacity = 0;
};

}  // namespace engram::model
