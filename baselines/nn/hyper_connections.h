#pragma once
// Manifold-constrained hyper-connections (mHC, arXiv 2512.24880) as DeepSeek's code computes them
// (docs: mhc.md sections 2-3). The residual stream is n branches X [B, T, n, d]. Per token and per
// sublayer, one projection of the RMS-normalised flattened state gives
//   H^pre  = sigmoid(a0 * m_pre + b_pre) + eps          (how the sublayer reads: u = sum_i H^pre_i X_i)
//   H^post = 2 * sigmoid(a1 * m_post + b_post)          (how its output y is written to each branch)
//   H^res  = Sinkhorn-Knopp(a2 * m_res + b_res)^T       (how branches mix: X'_j = sum_i H^res_ji X_i + H^post_j y)
// Parameter names follow transformers: {attn,ffn}_hc.{fn, base, scale} and model.hc_head.{hc_fn, hc_base, hc_scale}.

#include <torch/nn/module.h>
#include <torch/nn/pimpl.h>

#include <ATen/core/Generator.h>

namespace engram::model {

struct HyperMix {
  at::Tensor pre;   // [B, T, n]
  at::Tensor post;  // [B, T, n]
  at::Tensor comb;  // [B, T, n, n], comb[i][j]: from branch i to branch j (H^res transposed)
};

class HyperConnectionImpl : public torch::nn::Module {
 public:
  HyperConnectionImpl(int64_t branches, int64_t hidden, int64_t sinkhorn_iters, double eps, double norm_eps);
  HyperMix mix(const torch::Tensor& state) const;
  // u = sum_i pre_i X_i, [B, T, d]
  static torch::Tensor read(const torch::Tensor& state, const HyperMix& mix);
  // X'_j = sum_i comb_ij X_i + post_j * y
  static torch::Tensor write(const torch::Tensor& state, const torch::Tensor& output, const HyperMix& mix);
  void reset_to_mean_read(double init_std, at::Generator& generator);

  torch::Tensor fn;     // [n(n+2), n*d], rows: pre | post | comb (source-major)
  torch::Tensor base;   // [n(n+2)]
  torch::Tensor scale;  // [3]: alpha_pre, alpha_post, alpha_res

 private:
  int64_t n_, sinkhorn_iters_;
  double eps_, norm_eps_;
};
TORCH_MODULE(HyperConnection);

// The exit: a read-only mix with its own weights, no Sinkhorn and no write.
class HyperHeadImpl : public torch::nn::Module {
 public:
  HyperHeadImpl(int64_t branches, int64_t hidden, double eps, double norm_eps);
  torch::Tensor forward(const torch::Tensor& state);  // [B, T, n, d] -> [B, T, d]
  void reset_to_mean_read(double init_std, at::Generator& generator);

  torch::Tensor hc_fn, hc_base, hc_scale;

 private:
  int64_t n_;
  double eps_, norm_eps_;
};
TORCH_MODULE(HyperHead);

}  // namespace engram::model
