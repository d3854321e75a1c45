#include "baselines/nn/shared_prefix_attention.h"

#include <ATen/ATen.h>

#include <limits>

namespace engram::model {

at::Tensor shared_prefix_attention(const at::Tensor& q, const at::Tensor& shared_k, const at::Tensor& shared_v,
                                   const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask, double scale) {
  const int64_t batch = q.size(0), heads = q.size(1), queries = q.size(2), dim = q.size(3);
  const int64_t key_heads = k.size(1), group = heads / key_heads, stacked = group * queries;
  const int64_t prefix = shared_k.size(2), own = k.size(2), value_dim = v.size(3);
  TORCH_CHECK(group * key_heads == heads, "shared_prefix_attention: ", heads, " query heads over ", key_heads,
              " key heads");
  TORCH_CHECK(shared_k.size(0) == 1 && shared_k.size(1) == key_heads && shared_v.size(2) == prefix,
              "shared_prefix_attention: the shared prefix must be one row with ", key_heads, " key heads");

  const at::Tensor q_rows = q.reshape({batch, key_heads, stacked, dim});
  // Every row's queries of one key head as one matrix [Hk, B * G * T, D] against the prefix read once.
  const at::Tensor q_heads = q_rows.transpose(0, 1).reshape({key_heads, batch * stacked, dim});
  const at::Tensor prefix_scores = at::matmul(q_heads, shared_k.select(0, 0).transpose(-1, -2))
                                       .view({key_heads, batch, stacked, prefix})
                                       .transpose(0, 1);  // [B, Hk, G * T, P]
  const at::Tensor own_scores = at::matmul(q_rows, k.transpose(-1, -2));  // [B, Hk, G * T, S]
  // cat makes a new tensor, so scaling it in place is safe whatever .to() returns.
  at::Tensor scores = at::cat({prefix_scores, own_scores}, -1).to(at::kFloat).mul_(scale);
  if (mask.defined()) {
    // The finite floor of short_query_attention; a row never has every key hidden here, since the
    // prefix is always visible.
    scores.narrow(-1, prefix, own)
        .view({batch, key_heads, group, queries, own})
        .masked_fill_(mask.logical_not().unsqueeze(2), std::numeric_limits<float>::lowest());
  }
  const at::Tensor weights = at::softmax(scores, -1).to(v.scalar_type());
  const at::Tensor prefix_weights =
      weights.narrow(-1, 0, prefix).transpose(0, 1).reshape({key_heads, batch * stacked, prefix});
  const at::Tensor from_prefix = at::matmul(prefix_weights, shared_v.select(0, 0))
                                     .view({key_heads, batch, stacked, value_dim})
                                     .transpose(0, 1);
  const at::Tensor from_own = at::matmul(weights.narrow(-1, prefix, own), v);
  return from_own.add_(from_prefix).view({batch, heads, queries, value_dim});
}

}  // namespace engram::model
