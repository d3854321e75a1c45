#include "baselines/nn/short_query_attention.h"

#include <ATen/ATen.h>

#include <limits>

namespace engram::model {

bool prefers_short_query_attention(const at::Tensor& q, const at::Tensor& mask, bool causal) {
  return q.device().is_cpu() && q.size(2) <= kShortQueryLimit && (mask.defined() || !causal);
}

at::Tensor short_query_attention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v, const at::Tensor& mask,
                                 double scale) {
  const int64_t batch = q.size(0), heads = q.size(1), queries = q.size(2);
  const int64_t key_heads = k.size(1), keys = k.size(2), group = heads / key_heads;
  TORCH_CHECK(group * key_heads == heads, "short_query_attention: ", heads, " query heads over ", key_heads,
              " key heads");
  const at::Tensor stacked = q.reshape({batch, key_heads, group * queries, q.size(3)});
  // .to() returns the matmul's own fresh output when it is float32 already, so scaling in place is safe.
  at::Tensor scores =
      at::matmul(stacked, k.transpose(-1, -2)).view({batch, key_heads, group, queries, keys}).to(at::kFloat).mul_(scale);
  if (mask.defined()) {
    // A finite floor, not -inf: a row with every key hidden (padding) gets a harmless uniform average
    // instead of NaN, and an attended key's weight is the same either way.
    scores.masked_fill_(mask.logical_not().unsqueeze(2), std::numeric_limits<float>::lowest());
  }
  const at::Tensor weights = at::softmax(scores, -1).to(v.scalar_type()).view({batch, key_heads, group * queries, keys});
  return at::matmul(weights, v).view({batch, heads, queries, v.size(3)});
}

}  // namespace engram::model
