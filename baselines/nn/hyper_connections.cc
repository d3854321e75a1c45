#include "baselines/nn/hyper_connections.h"

#include <ATen/ATen.h>

#include <cmath>

namespace engram::model {
namespace {

// (x_flat @ fn^T) * rsqrt(mean(x_flat^2) + eps): the RMS division after the matmul, as the kernels do.
at::Tensor normalised_projection(const at::Tensor& state, const at::Tensor& fn, double norm_eps) {
  const at::Tensor flat = state.flatten(-2).to(at::kFloat);
  // mHC computes in float32 whatever the model dtype (its weights may be bfloat16).
  return at::linear(flat, fn.to(at::kFloat)) * at::rsqrt(flat.pow(2).mean(-1, true) + norm_eps);
}

}  // namespace

HyperConnectionImpl::HyperConnectionImpl(int64_t branches, int64_t hidden, int64_t sinkhorn_iters, double eps,
                                         double norm_eps)
    : n_(branches), sinkhorn_iters_(sinkhorn_iters), eps_(eps), norm_eps_(norm_eps) {
  fn = register_parameter("fn", torch::zeros({n_ * (n_ + 2), n_ * hidden}));
  base = register_parameter("base", torch::zeros({n_ * (n_ + 2)}));
  scale = register_parameter("scale", torch::full({3}, 0.01));
}

void HyperConnectionImpl::reset_to_mean_read(double init_std, at::Generator& generator) {
  // mhc.md 2.6 (inference, no source gives an init): alpha 0.01, H^pre starts at the uniform read
  // 1/n, H^post at 1, H^res near the identity so each branch first keeps its own state.
  torch::NoGradGuard no_grad;
  fn.copy_(at::empty(fn.sizes(), at::kFloat).normal_(0.0, init_std, generator));
  base.zero_();
  if (n_ > 1) base.narrow(0, 0, n_).fill_(-std::log(static_cast<double>(n_ - 1)));
  base.narrow(0, 2 * n_, n_ * n_).view({n_, n_}).diagonal().fill_(4.0);
  scale.fill_(0.01);
}

HyperMix HyperConnectionImpl::mix(const torch::Tensor& state) const {
  const at::Tensor m = normalised_projection(state, fn, norm_eps_);
  const at::Tensor b = base.to(at::kFloat);
  HyperMix out;
  out.pre = at::sigmoid(m.narrow(-1, 0, n_) * scale[0] + b.narrow(0, 0, n_)) + eps_;
  out.post = 2 * at::sigmoid(m.narrow(-1, n_, n_) * scale[1] + b.narrow(0, n_, n_));
  at::Tensor comb = (m.narrow(-1, 2 * n_, n_ * n_) * scale[2] + b.narrow(0, 2 * n_, n_ * n_))
                        .unflatten(-1, {n_, n_});
  comb = comb.softmax(-1) + eps_;
  comb = comb / (comb.sum(-2, true) + eps_);
  for (int64_t i = 1; i < sinkhorn_iters_; ++i) {
    comb = comb / (comb.sum(-1, true) + eps_);
    comb = comb / (comb.sum(-2, true) + eps_);
  }
  out.comb = comb;
  return out;
}

torch::Tensor HyperConnectionImpl::read(const torch::Tensor& state, const HyperMix& mix) {
  return (mix.pre.unsqueeze(-1) * state.to(at::kFloat)).sum(-2).to(state.scalar_type());
}

torch::Tensor HyperConnectionImpl::write(const torch::Tensor& state, const torch::Tensor& output, const HyperMix& mix) {
  const at::Tensor mixed = at::matmul(mix.comb.transpose(-1, -2), state.to(at::kFloat));
  return (mixed + mix.post.unsqueeze(-1) * output.to(at::kFloat).unsqueeze(-2)).to(state.scalar_type());
}

HyperHeadImpl::HyperHeadImpl(int64_t branches, int64_t hidden, double eps, double norm_eps)
    : n_(branches), eps_(eps), norm_eps_(norm_eps) {
  hc_fn = register_parameter("hc_fn", torch::zeros({n_, n_ * hidden}));
  hc_base = register_parameter("hc_base", torch::zeros({n_}));
  hc_scale = register_parameter("hc_scale", torch::full({1}, 0.01));
}

void HyperHeadImpl::reset_to_mean_read(double init_std, at::Generator& generator) {
  torch::NoGradGuard no_grad;
  hc_fn.copy_(at::empty(hc_fn.sizes(), at::kFloat).normal_(0.0, init_std, generator));
  hc_base.fill_(n_ > 1 ? -std::log(static_cast<double>(n_ - 1)) : 0.0);
  hc_scale.fill_(0.01);
}

torch::Tensor HyperHeadImpl::forward(const torch::Tensor& state) {
  const at::Tensor m = normalised_projection(state, hc_fn, norm_eps_);
  const at::Tensor w = at::sigmoid(m * hc_scale.to(at::kFloat) + hc_base.to(at::kFloat)) + eps_;
  return (w.unsqueeze(-1) * state.to(at::kFloat)).sum(-2).to(state.scalar_type());
}

}  // namespace engram::model
