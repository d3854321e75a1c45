#pragma once
// The Engram module in LibTorch, with parameter and buffer names equal to the reference state_dict:
//   multi_head_embedding.{offsets, embedding.weight}, short_conv.{conv.weight, norms.G.weight},
//   value_proj.{weight, bias}, key_projs.G.{weight, bias}, norm1.G.weight, norm2.G.weight.

#include <torch/nn/module.h>
#include <torch/nn/modules/container/modulelist.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/embedding.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include <memory>
#include <optional>

#include "engram/engram_config.h"
#include "engram/engram_state.h"
#include "engram/ngram_hash.h"

namespace engram {

class TableStore;

// torch 2.x nn.RMSNorm: y = x * rsqrt(mean(x^2) + eps) * weight; eps unset means finfo(dtype).eps.
class RMSNormImpl : public torch::nn::Module {
 public:
  RMSNormImpl(int64_t dim, std::optional<double> eps);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;

 private:
  std::optional<double> eps_;
};
TORCH_MODULE(RMSNorm);

class MultiHeadEmbeddingImpl : public torch::nn::Module {
 public:
  // allocate_table false: the rows live in a table store (host or disk tier) and `embedding` stays
  // null, so the module's parameters are everything but the table.
  MultiHeadEmbeddingImpl(const std::vector<int64_t>& table_sizes, int64_t head_dim, bool allocate_table = true);
  // hash_ids [..., heads] -> [..., heads, head_dim]
  torch::Tensor forward(const torch::Tensor& hash_ids);
  // Module::to converts every buffer; the row offsets must stay int64 whatever the compute dtype.
  void to(torch::Device device, torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Dtype dtype, bool non_blocking = false) override;
  void to(torch::Device device, bool non_blocking = false) override;
  // While a store is attached, rows come from it (host or disk tier) instead of `embedding`, which
  // keeps its name and contents; null detaches.
  void attach_table_store(std::shared_ptr<TableStore> store, int64_t layer_id);
  const std::shared_ptr<TableStore>& table_store() const { return table_store_; }
  bool holds_table() const { return !embedding.is_empty(); }
  int64_t table_rows() const { return table_rows_; }
  int64_t head_dim() const { return head_dim_; }
  // The dtype and device the table's rows are computed in, whether or not the module holds it.
  torch::Dtype table_dtype() const;
  torch::Device table_device() const;
  torch::Tensor offsets;
  torch::nn::Embedding embedding{nullptr};  // null when the table lives in a store

 private:
  std::shared_ptr<TableStore> table_store_;
  int64_t store_layer_id_ = -1;
  int64_t table_rows_ = 0;
  int64_t head_dim_ = 0;
  torch::Dtype dtype_;  // tracked by to() when there is no embedding
};
TORCH_MODULE(MultiHeadEmbedding);

class ShortConvImpl : public torch::nn::Module {
 public:
  ShortConvImpl(int64_t hidden_size, int64_t kernel_size, int64_t dilation, double norm_eps, int64_t hc_mult);
  // [B, T, G, H] -> SiLU(causal depthwise dilated conv(per-branch RMSNorm(x))), same shape
  torch::Tensor forward(const torch::Tensor& x);
  // The two halves, for decoding: per-branch RMSNorm concatenated on channels [B, T, G*H], and the
  // convolution of such inputs whose last `length` outputs are wanted -> [B, length, G, H].
  torch::Tensor normalize(const torch::Tensor& x);
  torch::Tensor convolve(const torch::Tensor& normalized, int64_t length);
  int64_t receptive_field() const { return (kernel_size_ - 1) * dilation_; }
  torch::nn::Conv1d conv{nullptr};
  torch::nn::ModuleList norms;

 private:
  int64_t hc_mult_;
  int64_t dilation_;
  int64_t kernel_size_;
};
TORCH_MODULE(ShortConv);

struct EngramTrace {
  torch::Tensor hash_ids;        // [B, T, heads]
  torch::Tensor embeddings;      // [B, T, heads * head_dim]
  torch::Tensor gates;           // [B, T, G, 1]
  torch::Tensor value;           // [B, T, G, H], before the short conv
  torch::Tensor short_conv_out;  // [B, T, G, H]
  torch::Tensor output;          // value + short_conv_out
};

class EngramImpl : public torch::nn::Module {
 public:
  // The hash mapping is shared by all Engram layers of a model (its primes depend on all of them).
  EngramImpl(EngramConfig config, std::shared_ptr<const NgramHashMapping> hashing, int64_t layer_id);

  // hidden_states [B, T, G, H], input_ids [B, T] raw token ids -> [B, T, G, H]. token_mask [B, T]
  // (optional, false at padding) keeps padded positions out of the ShortConv of real ones; padding
  // ids must be the configured pad_id so that hashing sees what it sees before a sequence start.
  torch::Tensor forward(const torch::Tensor& hidden_states, const torch::Tensor& input_ids,
                        const torch::Tensor& token_mask = {});
  // The same from precomputed hash ids [B, T, heads], with every intermediate kept.
  EngramTrace forward_from_hashes(const torch::Tensor& hidden_states, const torch::Tensor& hash_ids);
  // New tokens after those `state` remembers; equals the matching rows of a full forward. Updates state.
  torch::Tensor forward_incremental(const torch::Tensor& hidden_states, const torch::Tensor& input_ids,
                                    EngramState& state, const torch::Tensor& token_mask = {});

  int64_t layer_id() const { return layer_id_; }
  // Table rows from `store` (see engram/table_store.h); null restores the module's own weight.
  void attach_table_store(std::shared_ptr<TableStore> store);
  // Starts the attached store fetching the rows forward_incremental(hidden, input_ids, *state)
  // will look up (state null: a fresh sequence). The rows depend only on token ids, so callers
  // issue this for every Engram layer before the first layer runs. No-op without a store.
  void prefetch_rows(const torch::Tensor& input_ids, const EngramState* state);
  // hash ids -> gate * value_proj(embeddings), [B, T, G, H]: everything before the ShortConv.
  torch::Tensor forward_gated_value(const torch::Tensor& hidden_states, const torch::Tensor& hash_ids);
  const EngramConfig& config() const { return config_; }
  const NgramHashMapping& hashing() const { return *hashing_; }

  MultiHeadEmbedding multi_head_embedding{nullptr};
  ShortConv short_conv{nullptr};
  torch::nn::Linear value_proj{nullptr};
  torch::nn::ModuleList key_projs, norm1, norm2;

 private:
  struct WindowHashes {
    torch::Tensor hash_ids;      // [B, T, heads] for the new tokens
    torch::Tensor next_history;  // the last max_ngram - 1 token ids, for the next step
  };
  struct PrefetchedHashes {
    torch::Tensor input_ids, history;  // the tensors prefetch_rows was given
    WindowHashes hashes;
  };
  WindowHashes hash_window(const torch::Tensor& input_ids, const torch::Tensor& history, bool on_cpu) const;
  WindowHashes store_hashes(const torch::Tensor& input_ids, const torch::Tensor& history);
  void compute_gated_value(const torch::Tensor& hidden_states, const torch::Tensor& hash_ids, EngramTrace& trace);

  std::optional<PrefetchedHashes> prefetched_;

  EngramConfig config_;
  std::shared_ptr<const NgramHashMapping> hashing_;
  int64_t layer_id_;
};
TORCH_MODULE(Engram);

}  // namespace engram
