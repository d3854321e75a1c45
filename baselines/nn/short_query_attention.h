#pragma once
// Attention for a few queries per row (decode steps) on the CPU, as plain batched matrix products.
//
// at::scaled_dot_product_attention's CPU kernels tile the queries; with one query per row they fall
// back to a matrix-vector product per head, which in bfloat16 is about ten times slower than one
// grouped matrix product (SmolLM2-135M, batch 8, 600 keys: 4.9 ms against 0.37 ms per layer). Query
// heads that share a key head are stacked into one matrix, so grouped keys and values are read once,
// never repeated per query head. Scores and the softmax are float32 whatever the weights' dtype.

#include <ATen/core/Tensor.h>

namespace engram::model {

// True where short_query_attention is the faster choice: a CPU tensor with at most
// kShortQueryLimit queries per row, and no implied top-left causal mask to build.
bool prefers_short_query_attention(const at::Tensor& q, const at::Tensor& mask, bool causal);

inline constexpr int64_t kShortQueryLimit = 8;

// q [B, H, T, D], k [B, Hk, S, D], v [B, Hk, S, Dv] with H a multiple of Hk (query head h reads key
// head h / (H / Hk), as transformers' repeat_kv lays them out); mask [B or 1, 1, T, S] bool
// (true = attend) or undefined (every key). Returns [B, H, T, Dv] in q's dtype.
at::Tensor short_query_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                                 double scale);

}  // namespace engram::model
