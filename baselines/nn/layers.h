#pragma once
// Small building blocks shared by every family: the Hugging Face RMSNorm and the SwiGLU FFN.

#include <torch/nn/module.h>
#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

#include "baselines/nn/packed_linear.h"

namespace engram::model {

// As transformers' LlamaRMSNorm / DeepseekV3RMSNorm: normalise in float32, cast back, then scale.
class HfRMSNormImpl : public torch::nn::Module {
 public:
  HfRMSNormImpl(int64_t dim, double eps);
  torch::Tensor forward(const torch::Tensor& x);
  torch::Tensor weight;

 private:
  double eps_;
};
TORCH_MODULE(HfRMSNorm);

// down_proj(silu(gate_proj(x)) * up_proj(x)), no biases.
class SwiGluImpl : public torch::nn::Module {
 public:
  SwiGluImpl(int64_t hidden, int64_t intermediate);
  torch::Tensor forward(const torch::Tensor& x);
  // gate_proj and up_proj as one packed CPU projection (packed_linear.h); the change in packed bytes.
  int64_t fuse_projections() { return gate_up_.fuse({gate_proj, up_proj}); }
  Linear gate_proj{nullptr}, up_proj{nullptr}, down_proj{nullptr};

 private:
  FusedProjections gate_up_;
};
TORCH_MODULE(SwiGlu);

Linear linear(int64_t in, int64_t out, bool bias = false);

}  // namespace engram::model
