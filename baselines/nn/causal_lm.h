#pragma once
// The decoder-only language model every family shares, with Hugging Face parameter names:
//   model.embed_tokens, model.layers.L.*, model.norm, model.hc_head (mHC only), lm_head.
// forward(ids) gives logits; with a KvCache it processes only the new tokens after those cached,
// and gives the same logits a full forward gives for them.

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>

#include <memory>
#include <optional>
#include <vector>

#include <nlohmann/json.hpp>

#include "baselines/model_config.h"
#include "baselines/nn/decoder_layer.h"
#include "baselines/nn/hyper_connections.h"
#include "baselines/nn/kv_cache.h"
#include "baselines/nn/layers.h"
#include "baselines/nn/rope.h"

namespace engram::model {

class DecoderModelImpl : public torch::nn::Module {
 public:
  DecoderModelImpl(const ModelConfig& config, std::shared_ptr<const NgramHashMapping> hashing);
  torch::nn::Embedding embed_tokens{nullptr};
  torch::nn::ModuleList layers;
  HfRMSNorm norm{nullptr};
  HyperHead hc_head{nullptr};
};
TORCH_MODULE(DecoderModel);

struct ForwardOptions {
  // [B, past + T], nonzero = a real token: padded keys are never attended to.
  at::Tensor attention_mask;
  // [B, T] int64 rotary positions; default past .. past + T - 1 for every row.
  at::Tensor positions;
  // With a preallocated cache (required there): [T] int64 cache positions this step writes, and
  // attention_mask is [B, capacity], nonzero where a position holds a real token (this step's too).
  at::Tensor cache_slots;
};

class CausalLMImpl : public torch::nn::Module {
 public:
  // hashing: required when the config has an Engram block (it carries the tokenizer compression).
  explicit CausalLMImpl(ModelConfig config, std::shared_ptr<const NgramHashMapping> hashing = nullptr);

  // input_ids [B, T] -> logits [B, T, vocab] (float32).
  torch::Tensor forward(const torch::Tensor& input_ids, KvCache* cache = nullptr, const ForwardOptions& options = {});
  // The same split in two, so that callers project only the positions they need (a full vocabulary
  // row per position is the largest tensor of a forward): final normed hidden states [B, T, d], and
  // hidden [..., d] -> float32 logits [..., vocab].
  torch::Tensor forward_hidden(const torch::Tensor& input_ids, KvCache* cache = nullptr,
                               const ForwardOptions& options = {});
  torch::Tensor project(const torch::Tensor& hidden);
  KvCache new_cache() const;
  // A cache of fixed shape on the weights' device and dtype, `capacity` positions per row, for steps
  // whose tensors must keep their addresses (CUDA graph replay). Attention-only: throws for Engram.
  KvCache preallocated_cache(int64_t batch, int64_t capacity) const;
  // Deterministic random weights for benchmarks: N(0, initializer_range) for matrices, ones for norm
  // gains, zeros for biases, mHC at its mean-read start, Engram's conv zero when configured. Engram
  // tables held by the modules get engram/table_init.h's values (a host or disk tier draws the same).
  void init_weights(uint64_t seed);

  // The Engram layers, in layer order (empty without Engram).
  std::vector<Engram> engram_layers() const;
  // Engram rows come from `store` (host or disk tier, engram/engram_tables.h) instead of the
  // modules' weights, and forward_hidden prefetches every Engram layer's rows before the first
  // layer runs. Null restores the device tier.
  void attach_engram_tables(std::shared_ptr<TableStore> store);
  // Packs every projection's weight, the tied unembedding's too, for the CPU matrix library
  // (packed_linear.h), with attention's q, k, v and each MLP's gate and up fused into one packed
  // matrix each; call once the weights are loaded, converted and placed. Returns the bytes added.
  int64_t pack_weights_for_cpu();

  const ModelConfig& config() const { return config_; }
  const std::shared_ptr<const NgramHashMapping>& hashing() const { return hashing_; }

  // The token id padding must use, if the model needs one: Engram's hash pad id (hashing then sees
  // padding as a sequence start). Without Engram any id does, since padding is masked.
  std::optional<int64_t> required_pad_id() const;
  // Where and in what type the weights are (the token embedding's, as every weight is moved together).
  c10::Device device() const;
  at::ScalarType dtype() const;
  // What reports record about the module: {"model_type", "module_parameters", "dtype", "device",
  // "hc_mult", "engram"}.
  nlohmann::json describe() const;

  DecoderModel model{nullptr};
  Linear lm_head{nullptr};  // null when tie_word_embeddings

 private:
  ModelConfig config_;
  std::shared_ptr<const NgramHashMapping> hashing_;
  RotaryEmbedding rotary_;
  bool engram_tables_attached_ = false;
  PackedWeight packed_unembedding_;  // tie_word_embeddings: embed_tokens' weight, packed
};
TORCH_MODULE(CausalLM);

}  // namespace engram::model
