#pragma once
// Attention for a step whose rows all continue one shared prompt prefix (paged decode of few-shot
// prompts: BBH's 3-shot CoT prefix is 1,000+ tokens that every item of a subtask starts with).
//
// Gathering each row's whole cache reads the prefix's keys and values once per row, and scoring
// them is a matrix-vector product per row and head. Here the prefix is read once, and every row's
// query heads that share a key head are stacked into one matrix against it (a cascade, as
// FlashInfer calls it); only each row's own keys are gathered per row. Both score blocks go through
// one float32 softmax, so the result is the same as attending over prefix + own keys together.

#include <ATen/core/Tensor.h>

namespace engram::model {

// q [B, H, T, D]; shared_k [1, Hk, P, D], shared_v [1, Hk, P, Dv]: the prefix every row and query
// sees in full; k [B, Hk, S, D], v [B, Hk, S, Dv]: each row's own keys after the prefix, with mask
// [B or 1, 1, T, S] bool (true = attend) or undefined (every key). H is a multiple of Hk (query head
// h reads key head h / (H / Hk)). Returns [B, H, T, Dv] in q's dtype.
at::Tensor shared_prefix_attention(const at::Tensor& q, const at::Tensor& shared_k, const at::Tensor& shared_v,
                                   const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask, double scale);

}  // namespace engram::model
