#pragma once
// Decode attention read straight from the paged KV pools (kv_cache.h), on the CPU.
//
// The gathering path copies every row's keys and values out of the pools at every step and layer
// (index_select, then the layout changes that the matrix products want) before one small matrix
// product per row and head. A BBH chain-of-thought decode step of SmolLM2 at batch 8 spent 85% of
// its time there (perf: copies and MKL's packing of each gathered key block). Here each key and
// value is read once from its slot: scores for all the queries that share a key head are dotted
// with it while it is in registers, the rows' scores go through one float32 softmax, and each value
// is added into every query's output while it is in registers. A shared prompt prefix is read from
// the same slots by every row of its range, so it stays in cache between rows of one key head.
//
// Keys may come in two parts side by side (MLA's absorbed attention: the compressed latent, then the
// shared rotary key), so both attention families take this path.

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace engram::model {

struct PagedStep;

// Longest step (new tokens per row) this path takes; longer ones (a prompt's prefill) are matrix
// products that the gathering path does well.
inline constexpr int64_t kPagedAttentionMaxQueries = 8;

struct PagedAttentionInputs {
  at::Tensor q;           // [B, H, T, Dk + De]
  at::Tensor key_pool;    // [slots, Hk, Dk]
  at::Tensor key_extra;   // [slots, Hk, De], the keys' second part, or undefined
  at::Tensor value_pool;  // [slots, Hk, Dv]
  const PagedStep* step = nullptr;  // the rows' shared prefixes and own read slots [B, S]
  at::Tensor mask;        // over the own keys: [B or 1, 1, T, S] bool (true = attend), or undefined
  bool causal = false;    // without a mask: query t sees own key j when j <= S - T + t; false: all
  double scale = 1.0;
};

// The checks on q alone (processor, device, dtype, new tokens per row), made before a step's
// entries are stored.
bool paged_attention_takes_queries(const at::Tensor& q);

// True when this path serves the inputs: CPU float32 queries or bfloat16 queries, pools of float32
// or bfloat16, contiguous, at most kPagedAttentionMaxQueries new tokens per row, and a processor
// with AVX-512 (ENGRAM_PAGED_ATTENTION=0 turns it off, for comparisons).
bool paged_attention_serves(const PagedAttentionInputs& inputs);

// softmax(q k^T * scale) v over each row's shared prefix (every key visible) then its own read
// slots, with query head h reading key head h / (H / Hk). Returns [B, H, T, Dv] in q's dtype.
at::Tensor paged_attention(const PagedAttentionInputs& inputs);

}  // namespace engram::model
