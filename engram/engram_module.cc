#include "engram/engram_module.h"

#include <ATen/ops/rms_norm.h>
#include <torch/nn/functional/activation.h>
#include <torch/nn/init.h>
#include <c10/core/DefaultDtype.h>

#include <cmath>
#include <string>

#include "engram/hash_tensor.h"
#include "engram/table_store.h"

namespace engram {

RMSNormImpl::RMSNormImpl(int64_t dim, std::optional<double> eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor RMSNormImpl::forward(const torch::Tensor& x) {
  return at::rms_norm(x, {weight.size(0)}, weight, eps_);
}

MultiHeadEmbeddingImpl::MultiHeadEmbeddingImpl(const std::vector<int64_t>& table_sizes, int64_t head_dim,
                                               bool allocate_table)
    : head_dim_(head_dim), dtype_(c10::get_default_dtype_as_scalartype()) {
  std::vector<int64_t> starts;
  for (int64_t n : table_sizes) {
    starts.push_back(table_rows_);
    table_rows_ += n;
  }
  offsets = register_buffer("offsets", torch::tensor(starts, torch::kLong));
  if (allocate_table) embedding = register_module("embedding", torch::nn::Embedding(table_rows_, head_dim));
}

torch::Dtype MultiHeadEmbeddingImpl::table_dtype() const {
  return holds_table() ? embedding->weight.scalar_type() : dtype_;
}

torch::Device MultiHeadEmbeddingImpl::table_device() const { return offsets.device(); }

void MultiHeadEmbeddingImpl::to(torch::Device device, torch::Dtype dtype, bool non_blocking) {
  if (holds_table()) embedding->to(device, dtype, non_blocking);
  dtype_ = dtype;
  offsets.set_data(offsets.to(device, torch::kLong, non_blocking));
}

void MultiHeadEmbeddingImpl::to(torch::Dtype dtype, bool non_blocking) {
  if (holds_table()) embedding->to(dtype, non_blocking);
  dtype_ = dtype;
}

void MultiHeadEmbeddingImpl::to(torch::Device device, bool non_blocking) {
  torch::nn::Module::to(device, non_blocking);
}

void MultiHeadEmbeddingImpl::attach_table_store(std::shared_ptr<TableStore> store, int64_t layer_id) {
  table_store_ = std::move(store);
  store_layer_id_ = layer_id;
}

torch::Tensor MultiHeadEmbeddingImpl::forward(const torch::Tensor& hash_ids) {
  if (table_store_) {
    torch::Tensor rows = table_store_->gather(store_layer_id_, hash_ids);
    TORCH_CHECK(rows.scalar_type() == table_dtype() && rows.device() == table_device(), "Engram layer ",
                store_layer_id_, ": the attached table store gives ", rows.scalar_type(), " rows on ", rows.device(),
                " but the model computes in ", table_dtype(), " on ", table_device(),
                "; build the store for the model's dtype and device");
    return rows;
  }
  TORCH_CHECK(holds_table(), "this Engram layer's table lives in a host or disk table store; attach the store "
              "(CausalLM::attach_engram_tables) before running the model");
  return embedding->forward(hash_ids + offsets);
}

ShortConvImpl::ShortConvImpl(int64_t hidden_size, int64_t kernel_size, int64_t dilation, double norm_eps,
                             int64_t hc_mult)
    : hc_mult_(hc_mult), dilation_(dilation), kernel_size_(kernel_size) {
  const int64_t channels = hidden_size * hc_mult;
  conv = register_module("conv", torch::nn::Conv1d(torch::nn::Conv1dOptions(channels, channels, kernel_size)
                                                       .groups(channels)
                                                       .bias(false)
                                                       .padding((kernel_size - 1) * dilation)
                                                       .dilation(dilation)));
  norms = register_module("norms", torch::nn::ModuleList());
  for (int64_t g = 0; g < hc_mult; ++g) norms->push_back(RMSNorm(hidden_size, norm_eps));
}

torch::Tensor ShortConvImpl::normalize(const torch::Tensor& x) {
  TORCH_CHECK(x.dim() == 4 && x.size(2) == hc_mult_, "ShortConv expects [B, T, ", hc_mult_, ", H], got ",
              x.sizes());
  std::vector<torch::Tensor> normed;
  normed.reserve(hc_mult_);
  for (int64_t g = 0; g < hc_mult_; ++g) {
    normed.push_back(norms[g]->as<RMSNormImpl>()->forward(x.select(2, g)));
  }
  // Channels are branch-major (c = g * H + h), as torch.cat over the last dim gives.
  return torch::cat(normed, -1);
}

torch::Tensor ShortConvImpl::convolve(const torch::Tensor& normalized, int64_t length) {
  const int64_t steps = normalized.size(1);
  // Padding (K-1)*dilation on both sides; the first `steps` outputs are the causal ones.
  torch::Tensor y = conv->forward(normalized.transpose(1, 2)).narrow(2, steps - length, length);
  y = torch::nn::functional::silu(y);
  return y.transpose(1, 2).reshape({normalized.size(0), length, hc_mult_, normalized.size(2) / hc_mult_});
}

torch::Tensor ShortConvImpl::forward(const torch::Tensor& x) { return convolve(normalize(x), x.size(1)); }

EngramImpl::EngramImpl(EngramConfig config, std::shared_ptr<const NgramHashMapping> hashing, int64_t layer_id)
    : config_(std::move(config)), hashing_(std::move(hashing)), layer_id_(layer_id) {
  config_.validate();
  const LayerHashParams& params = hashing_->layer(layer_id);
  const int64_t hidden = config_.hidden_size;
  const int64_t engram_hidden = config_.engram_hidden_size();
  multi_head_embedding =
      register_module("multi_head_embedding",
                      MultiHeadEmbedding(params.table_sizes, config_.head_dim(), config_.table_in_module));
  short_conv = register_module("short_conv", ShortConv(hidden, config_.kernel_size, config_.conv_dilation(),
                                                       config_.short_conv_norm_eps, config_.hc_mult));
  if (config_.conv_zero_init) {
    torch::NoGradGuard no_grad;
    short_conv->conv->weight.zero_();
  }
  value_proj = register_module("value_proj", torch::nn::Linear(engram_hidden, hidden));
  key_projs = register_module("key_projs", torch::nn::ModuleList());
  norm1 = register_module("norm1", torch::nn::ModuleList());
  norm2 = register_module("norm2", torch::nn::ModuleList());
  for (int g = 0; g < config_.hc_mult; ++g) {
    key_projs->push_back(torch::nn::Linear(engram_hidden, hidden));
    norm1->push_back(RMSNorm(hidden, std::nullopt));
    norm2->push_back(RMSNorm(hidden, std::nullopt));
  }
}

void EngramImpl::attach_table_store(std::shared_ptr<TableStore> store) {
  multi_head_embedding->attach_table_store(std::move(store), layer_id_);
}

EngramImpl::WindowHashes EngramImpl::hash_window(const torch::Tensor& input_ids, const torch::Tensor& history,
                                                 bool on_cpu) const {
  const torch::Tensor ids = on_cpu ? input_ids.to(torch::kCPU) : input_ids;
  const torch::Tensor window = history.defined() ? torch::cat({history.to(ids.device()), ids}, 1) : ids;
  const int64_t length = ids.size(1);
  const int64_t id_history = config_.hash.max_ngram_size - 1;
  WindowHashes out;
  // Hashing the window from its start is exact for the last `length` positions: their n-grams
  // reach back at most max_ngram - 1 tokens, all inside the window (or before the sequence start).
  out.hash_ids = hash_ngrams(*hashing_, window, layer_id_).narrow(1, window.size(1) - length, length);
  out.next_history = window.narrow(1, std::max<int64_t>(0, window.size(1) - id_history),
                                   std::min<int64_t>(id_history, window.size(1)));
  return out;
}

void EngramImpl::prefetch_rows(const torch::Tensor& input_ids, const EngramState* state) {
  const std::shared_ptr<TableStore>& store = multi_head_embedding->table_store();
  if (!store) return;
  // Hashed on the CPU, where the host and disk tiers read rows; the same window as forward_incremental.
  const torch::Tensor history = state ? state->token_ids : torch::Tensor();
  WindowHashes hashes = hash_window(input_ids, history, /*on_cpu=*/true);
  store->prefetch(layer_id_, hashes.hash_ids);
  prefetched_ = PrefetchedHashes{input_ids, history, std::move(hashes)};
}

EngramImpl::WindowHashes EngramImpl::store_hashes(const torch::Tensor& input_ids, const torch::Tensor& history) {
  const auto same = [](const torch::Tensor& a, const torch::Tensor& b) {
    return a.defined() ? b.defined() && a.is_same(b) : !b.defined();
  };
  // The same token tensors prefetch_rows saw (identity, not contents: comparing device tensors would
  // synchronise) get the hash ids it computed, which the store matches with its pending fetch.
  WindowHashes out = prefetched_ && same(prefetched_->input_ids, input_ids) && same(prefetched_->history, history)
                         ? prefetched_->hashes
                         : hash_window(input_ids, history, /*on_cpu=*/true);
  prefetched_.reset();
  return out;
}

torch::Tensor EngramImpl::forward(const torch::Tensor& hidden_states, const torch::Tensor& input_ids,
                                  const torch::Tensor& token_mask) {
  EngramState fresh;
  return forward_incremental(hidden_states, input_ids, fresh, token_mask);
}

torch::Tensor EngramImpl::forward_incremental(const torch::Tensor& hidden_states, const torch::Tensor& input_ids,
                                              EngramState& state, const torch::Tensor& token_mask) {
  const int64_t length = input_ids.size(1);
  // With a table store the rows are read on the CPU, so the hash ids stay there (no device sync).
  const WindowHashes hashes = multi_head_embedding->table_store()
                                  ? store_hashes(input_ids, state.token_ids)
                                  : hash_window(input_ids.to(hidden_states.device()), state.token_ids, /*on_cpu=*/false);
  const torch::Tensor& hash_ids = hashes.hash_ids;
  state.token_ids = hashes.next_history;

  torch::Tensor value = forward_gated_value(hidden_states, hash_ids);
  // A padded position contributes zero to the convolution, as positions before a sequence start do.
  const torch::Tensor conv_value =
      token_mask.defined() ? value * token_mask.to(value.device(), value.scalar_type()).unsqueeze(-1).unsqueeze(-1) : value;
  const torch::Tensor normalized = short_conv->normalize(conv_value);
  const torch::Tensor window = state.conv_input.defined() ? torch::cat({state.conv_input, normalized}, 1) : normalized;
  const int64_t reach = short_conv->receptive_field();
  state.conv_input = window.narrow(1, std::max<int64_t>(0, window.size(1) - reach), std::min<int64_t>(reach, window.size(1)));
  return value + short_conv->convolve(window, length);
}

torch::Tensor EngramImpl::forward_gated_value(const torch::Tensor& hidden_states, const torch::Tensor& hash_ids) {
  EngramTrace trace;
  compute_gated_value(hidden_states, hash_ids, trace);
  return trace.value;
}

EngramTrace EngramImpl::forward_from_hashes(const torch::Tensor& hidden_states, const torch::Tensor& hash_ids) {
  EngramTrace trace;
  compute_gated_value(hidden_states, hash_ids, trace);
  trace.short_conv_out = short_conv->forward(trace.value);
  trace.output = trace.value + trace.short_conv_out;
  return trace;
}

void EngramImpl::compute_gated_value(const torch::Tensor& hidden_states, const torch::Tensor& hash_ids,
                                     EngramTrace& trace) {
  const int64_t groups = config_.hc_mult;
  TORCH_CHECK(hidden_states.dim() == 4 && hidden_states.size(2) == groups &&
                  hidden_states.size(3) == config_.hidden_size,
              "Engram layer ", layer_id_, ": hidden_states must be [B, T, ", groups, ", ", config_.hidden_size,
              "], got ", hidden_states.sizes());
  TORCH_CHECK(hash_ids.dim() == 3 && hash_ids.size(0) == hidden_states.size(0) &&
                  hash_ids.size(1) == hidden_states.size(1) && hash_ids.size(2) == hashing_->config().heads_per_layer(),
              "Engram layer ", layer_id_, ": hash_ids must be [B, T, heads] matching hidden_states, got ",
              hash_ids.sizes());
  trace.hash_ids = hash_ids;
  trace.embeddings = multi_head_embedding->forward(hash_ids).flatten(-2);
  const double score_divisor = std::sqrt(static_cast<double>(config_.hidden_size));
  std::vector<torch::Tensor> gates;
  gates.reserve(groups);
  for (int64_t g = 0; g < groups; ++g) {
    const torch::Tensor key = key_projs[g]->as<torch::nn::LinearImpl>()->forward(trace.embeddings);
    const torch::Tensor normed_key = norm1[g]->as<RMSNormImpl>()->forward(key);
    const torch::Tensor normed_query = norm2[g]->as<RMSNormImpl>()->forward(hidden_states.select(2, g));
    torch::Tensor score = (normed_key * normed_query).sum(-1) / score_divisor;
    // sign(0) = 0 keeps a zero score at gate 0.5, as the reference does.
    score = score.abs().clamp_min(1e-6).sqrt() * score.sign();
    gates.push_back(score.sigmoid().unsqueeze(-1));
  }
  trace.gates = torch::stack(gates, 2);
  trace.value = trace.gates * value_proj->forward(trace.embeddings).unsqueeze(2);
}

}  // namespace engram
