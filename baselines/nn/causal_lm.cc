#include "baselines/nn/causal_lm.h"

#include <ATen/ATen.h>
#include <ATen/CPUGeneratorImpl.h>

#include "baselines/nn/attention.h"
#include "baselines/nn/step_masks.h"
#include "engram/table_init.h"

namespace engram::model {

DecoderModelImpl::DecoderModelImpl(const ModelConfig& config, std::shared_ptr<const NgramHashMapping> hashing) {
  embed_tokens = register_module("embed_tokens", torch::nn::Embedding(config.vocab_size, config.hidden_size));
  layers = register_module("layers", torch::nn::ModuleList());
  for (int64_t layer = 0; layer < config.num_hidden_layers; ++layer) layers->push_back(DecoderLayer(config, layer, hashing));
  norm = register_module("norm", HfRMSNorm(config.hidden_size, config.rms_norm_eps));
  if (config.hc_mult > 1) {
    hc_head = register_module("hc_head", HyperHead(config.hc_mult, config.hidden_size, config.hc_eps, config.rms_norm_eps));
  }
}

CausalLMImpl::CausalLMImpl(ModelConfig config, std::shared_ptr<const NgramHashMapping> hashing)
    : config_(std::move(config)), hashing_(std::move(hashing)),
      rotary_(rotary_dim(config_), config_.rope_theta, config_.rope_scaling, config_.max_position_embeddings) {
  config_.validate();
  model = register_module("model", DecoderModel(config_, hashing_));
  if (!config_.tie_word_embeddings) lm_head = register_module("lm_head", linear(config_.hidden_size, config_.vocab_size));
}

KvCache CausalLMImpl::new_cache() const {
  KvCache cache;
  cache.attention.resize(static_cast<std::size_t>(config_.num_hidden_layers));
  cache.engram.resize(static_cast<std::size_t>(config_.num_hidden_layers));
  return cache;
}

KvCache CausalLMImpl::preallocated_cache(int64_t batch, int64_t capacity) const {
  TORCH_CHECK(!config_.engram, "a preallocated cache holds attention only; Engram layers keep their own state");
  TORCH_CHECK(batch > 0 && capacity > 0, "preallocated_cache: batch and capacity must be positive");
  KvCache cache = new_cache();
  cache.capacity = capacity;
  const at::TensorOptions options = model->embed_tokens->weight.options();
  for (AttentionCache& layer : cache.attention) {
    if (config_.mla) {
      layer.first = at::zeros({batch, capacity, config_.mla->kv_lora_rank}, options);
      layer.second = at::zeros({batch, 1, capacity, config_.mla->qk_rope_head_dim}, options);
    } else {
      layer.first = at::zeros({batch, config_.num_key_value_heads, capacity, config_.head_dim}, options);
      layer.second = at::zeros({batch, config_.num_key_value_heads, capacity, config_.head_dim}, options);
    }
  }
  return cache;
}

torch::Tensor CausalLMImpl::forward(const torch::Tensor& input_ids, KvCache* cache, const ForwardOptions& options) {
  return project(forward_hidden(input_ids, cache, options));
}

torch::Tensor CausalLMImpl::project(const torch::Tensor& hidden) {
  const at::Tensor& embedding = model->embed_tokens->weight;
  const at::Tensor logits = lm_head                                       ? lm_head->forward(hidden)
                            : packed_unembedding_.serves(embedding, hidden) ? packed_unembedding_.linear(hidden, embedding, {})
                                                                            : at::linear(hidden, embedding);
  return logits.to(at::kFloat);
}

int64_t CausalLMImpl::pack_weights_for_cpu() {
  int64_t bytes = pack_linear_weights(*this);
  for (const auto& child : modules(/*include_self=*/false)) {
    if (auto* mlp = dynamic_cast<SwiGluImpl*>(child.get())) bytes += mlp->fuse_projections();
    if (auto* attention = dynamic_cast<GqaAttentionImpl*>(child.get())) bytes += attention->fuse_projections();
  }
  if (!lm_head) {
    at::NoGradGuard no_grad;
    packed_unembedding_.pack(model->embed_tokens->weight);
    bytes += packed_unembedding_.bytes();
  }
  return bytes;
}

torch::Tensor CausalLMImpl::forward_hidden(const torch::Tensor& input_ids, KvCache* cache, const ForwardOptions& options) {
  TORCH_CHECK(input_ids.dim() == 2, "input_ids must be [batch, length], got ", input_ids.sizes());
  const int64_t batch = input_ids.size(0), length = input_ids.size(1);
  const int64_t past = cache ? cache->length : 0;
  const auto device = model->embed_tokens->weight.device();
  const at::Tensor ids = input_ids.to(device);

  StepInputs inputs;
  const at::Tensor positions = options.positions.defined()
                                   ? options.positions.to(device)
                                   : at::arange(past, past + length, at::TensorOptions().dtype(at::kLong).device(device))
                                         .unsqueeze(0).expand({batch, length});
  std::tie(inputs.cos, inputs.sin) = rotary_.cos_sin(positions);
  // Once per step in the weights' dtype (as transformers' rotary embedding returns them), not once per
  // layer and projection.
  inputs.cos = inputs.cos.to(dtype());
  inputs.sin = inputs.sin.to(dtype());
  const bool preallocated = cache != nullptr && cache->capacity > 0;
  if (preallocated) {
    TORCH_CHECK(options.cache_slots.defined() && options.attention_mask.defined() && options.positions.defined(),
                "a preallocated cache needs cache_slots, attention_mask [batch, capacity] and positions");
    inputs.cache_slots = options.cache_slots.to(device);
  }
  StepMasks masks = preallocated ? preallocated_step_masks(options.attention_mask.to(device), inputs.cache_slots)
                                 : step_masks(batch, past, length, options.attention_mask, device);
  inputs.mask = std::move(masks.mask);
  inputs.causal = masks.causal;
  inputs.token_mask = std::move(masks.token_mask);

  if (engram_tables_attached_) {
    // Hash ids depend only on tokens, so every Engram layer's fetch starts now and overlaps the
    // layers before it (paper 2.5). The layers get the same `ids` tensor, which is how each Engram
    // layer knows its prefetch was for these tokens.
    for (Engram engram_layer : engram_layers()) {
      const auto layer = static_cast<std::size_t>(engram_layer->layer_id());
      engram_layer->prefetch_rows(ids, cache ? &cache->engram[layer] : nullptr);
    }
  }
  at::Tensor hidden = model->embed_tokens->forward(ids);
  // Every branch starts as the token embedding (mhc.md 3).
  at::Tensor state = hidden.unsqueeze(2).expand({batch, length, config_.hc_mult, config_.hidden_size}).contiguous();
  for (int64_t layer = 0; layer < config_.num_hidden_layers; ++layer) {
    state = model->layers[layer]->as<DecoderLayerImpl>()->forward(
        state, ids, inputs, cache ? &cache->attention[layer] : nullptr, cache ? &cache->engram[layer] : nullptr);
  }
  hidden = model->hc_head ? model->hc_head->forward(state) : state.squeeze(2);
  if (cache) cache->length += length;
  return model->norm->forward(hidden);
}

std::vector<Engram> CausalLMImpl::engram_layers() const {
  std::vector<Engram> out;
  for (const auto& layer : *model->layers) {
    if (const Engram& engram_layer = layer->as<DecoderLayerImpl>()->engram) out.push_back(engram_layer);
  }
  return out;
}

std::optional<int64_t> CausalLMImpl::required_pad_id() const {
  if (config_.engram) return config_.engram->hash.pad_id;
  return std::nullopt;
}

c10::Device CausalLMImpl::device() const { return model->embed_tokens->weight.device(); }

at::ScalarType CausalLMImpl::dtype() const { return model->embed_tokens->weight.scalar_type(); }

nlohmann::json CausalLMImpl::describe() const {
  int64_t parameters = 0;
  for (const auto& p : this->parameters()) parameters += p.numel();
  return {{"model_type", config_.model_type},
          {"module_parameters", parameters},
          {"dtype", std::string(c10::toString(dtype()))},
          {"device", device().str()},
          {"hc_mult", config_.hc_mult},
          {"engram", config_.engram.has_value()}};
}

void CausalLMImpl::attach_engram_tables(std::shared_ptr<TableStore> store) {
  engram_tables_attached_ = store != nullptr;
  for (Engram engram_layer : engram_layers()) engram_layer->attach_table_store(store);
}

void CausalLMImpl::init_weights(uint64_t seed) {
  torch::NoGradGuard no_grad;
  auto generator = at::make_generator<at::CPUGeneratorImpl>(seed);
  const double std = config_.initializer_range;
  for (auto& item : named_parameters(true)) {
    const std::string& name = item.key();
    at::Tensor& p = item.value();
    const auto ends_with = [&](const std::string& suffix) {
      return name.size() >= suffix.size() && name.compare(name.size() - suffix.size(), suffix.size(), suffix) == 0;
    };
    if (name.find("_hc.") != std::string::npos || name.find("hc_head.") != std::string::npos) continue;
    // Engram tables are drawn below, by engram/table_init.h, the same whichever tier holds them.
    if (ends_with("multi_head_embedding.embedding.weight")) continue;
    if (ends_with(".bias")) {
      p.zero_();
    } else if (p.dim() == 1) {
      p.fill_(1.0);  // RMSNorm gains
    } else {
      at::Tensor values = at::empty(p.sizes(), at::kFloat);
      values.normal_(0.0, std, generator);
      p.copy_(values);
    }
  }
  for (auto& module : modules(true)) {
    if (auto* hc = module->as<HyperConnectionImpl>()) hc->reset_to_mean_read(std, generator);
    if (auto* head = module->as<HyperHeadImpl>()) head->reset_to_mean_read(std, generator);
    if (auto* engram_layer = module->as<EngramImpl>()) {
      if (engram_layer->config().conv_zero_init) engram_layer->short_conv->conv->weight.zero_();
      if (engram_layer->multi_head_embedding->holds_table()) {
        fill_initial_rows(engram_layer->multi_head_embedding->embedding->weight, seed, engram_layer->layer_id(), 0, std);
      }
    }
  }
}

}  // namespace engram::model
