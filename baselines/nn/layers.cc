#include "baselines/nn/layers.h"

#include <ATen/ATen.h>

#include <torch/nn/functional/activation.h>

namespace engram::model {

Linear linear(int64_t in, int64_t out, bool bias) {
  return Linear(torch::nn::LinearOptions(in, out).bias(bias));
}

HfRMSNormImpl::HfRMSNormImpl(int64_t dim, double eps) : eps_(eps) {
  weight = register_parameter("weight", torch::ones({dim}));
}

torch::Tensor HfRMSNormImpl::forward(const torch::Tensor& x) {
  // at::rms_norm without a weight is transformers' float32 x * rsqrt(mean(x^2) + eps) in one op (bit
  // for bit on the CPU); the gain multiplies after the cast back, as transformers does.
  const torch::Tensor normed = at::rms_norm(x.to(torch::kFloat32), {x.size(-1)}, std::nullopt, eps_);
  return weight * normed.to(x.scalar_type());
}

SwiGluImpl::SwiGluImpl(int64_t hidden, int64_t intermediate) {
  gate_proj = register_module("gate_proj", linear(hidden, intermediate));
  up_proj = register_module("up_proj", linear(hidden, intermediate));
  down_proj = register_module("down_proj", linear(intermediate, hidden));
}

torch::Tensor SwiGluImpl::forward(const torch::Tensor& x) {
  if (const std::vector<at::Tensor> gate_up = gate_up_.forward(x); !gate_up.empty()) {
    return down_proj->forward(torch::nn::functional::silu(gate_up[0]) * gate_up[1]);
  }
  return down_proj->forward(torch::nn::functional::silu(gate_proj->forward(x)) * up_proj->forward(x));
}

}  // namespace engram::model
