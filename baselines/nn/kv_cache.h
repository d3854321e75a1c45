#pragma once
// Per-layer decoding state. Attention keeps what it needs to rebuild keys and values (MLA: the
// compressed latent and the shared rotary key; GQA: keys and values); an Engram layer keeps the last
// token ids and ShortConv inputs its n-grams and causal convolution reach back to.
//
// Attention entries live either in dense per-batch tensors grown at each step, or in a paged pool
// of token slots shared by many sequences (continuous batching): each step then names the slots
// its new tokens are written to and, per row, the slots it reads back (a row's block table laid
// out as positions; harness/engine/ keeps the tables).

#include <ATen/core/Tensor.h>

#include "engram/engram_state.h"

#include <memory>
#include <utility>
#include <vector>

namespace engram::model {

// Where one paged step writes and reads; the same for every layer.
struct PagedStep {
  int64_t slots = 0;       // pool size, so that a layer can create its pools on first use
  at::Tensor write_slots;  // [B, T] int64: the slot of each new token
  at::Tensor read_slots;   // [B, keys] int64: the slots each row attends to, in key order
  // Rows that continue one prompt prefix, whose P slots are read once for all of them
  // (shared_prefix_attention.h) before each row's own read_slots. Empty: none; otherwise contiguous
  // row ranges that cover the batch, with undefined slots where a range shares nothing.
  struct SharedRows {
    int64_t first_row = 0, rows = 0;
    at::Tensor slots;  // [P] int64
  };
  std::vector<SharedRows> shared;
};

// A range of rows' shared prefix as one row of entries, in the layout AttentionCache::append returns.
struct SharedEntries {
  int64_t first_row = 0, rows = 0;
  at::Tensor first, second;  // undefined where the rows share nothing
};

struct AttentionCache {
  at::Tensor first;   // MLA: compressed kv [B, T, kv_lora]; GQA: keys [B, kv_heads, T, head_dim]
  at::Tensor second;  // MLA: rotary key [B, 1, T, rope_dim]; GQA: values [B, kv_heads, T, head_dim]
  // Paged mode (step set): the same entries one token per pool row, [slots, per-token dims...].
  at::Tensor first_pool, second_pool;
  std::shared_ptr<const PagedStep> step;

  // Stores this step's entries (time along first_time_dim / second_time_dim) and returns all the
  // entries the step attends to, in the same layout: past then new (dense), or each row's read
  // slots (paged).
  std::pair<at::Tensor, at::Tensor> append(const at::Tensor& first_new, int64_t first_time_dim,
                                           const at::Tensor& second_new, int64_t second_time_dim);

  // Paged mode: stores this step's entries in the pools (created on first use) and reads nothing
  // back, for attention that reads the pools itself (paged_attention.h).
  void store_paged(const at::Tensor& first_new, int64_t first_time_dim, const at::Tensor& second_new,
                   int64_t second_time_dim);

  // The step's shared prefixes (PagedStep::shared), one entry per row range; empty where the step
  // has none. Call after append, which creates the pools.
  std::vector<SharedEntries> shared_prefixes(int64_t first_time_dim, int64_t second_time_dim) const;
};

struct KvCache {
  std::vector<AttentionCache> attention;  // one per layer
  std::vector<EngramState> engram;        // one per layer (unused where no Engram)
  int64_t length = 0;                     // positions already processed (paged: each row's own keys before
                                          // this step, after any shared prefix)
  // Preallocated (CausalLM::preallocated_cache, for CUDA graphs): each attention tensor holds
  // `capacity` positions and a step writes at ForwardOptions::cache_slots. 0: grown by concatenation.
  int64_t capacity = 0;
};

// A one-row cache seen as `rows` identical rows, without copying: every continuation of a shared
// prefix starts from the same state. Layers never write into dense cached tensors (they append into
// new ones), so the rows cannot disturb each other or the original.
KvCache repeat_rows(const KvCache& cache, int64_t rows);

}  // namespace engram::model
