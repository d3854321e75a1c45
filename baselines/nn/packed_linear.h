#pragma once
// A linear layer whose weight can be packed once, on the CPU, into oneDNN's blocked layout.
//
// at::linear hands MKL's sgemm a plain row-major weight, which it repacks at every call: for the
// few rows of a decode step that repacking is most of the cost (SmolLM2-135M, one thread, all 211
// projections of one step at batch 16: 103 ms in float32 and 54 ms in bfloat16, packed once 60 and
// 34 ms). The packed copy lives beside the parameter, which keeps its name, dtype and device, so
// checkpoints, state dicts and every other reader of `weight` are unaffected; a packed copy is used
// only while the parameter is the one it was packed from (same storage, no in-place write since).

#include <torch/nn/modules/linear.h>
#include <torch/nn/pimpl.h>

namespace engram::model {

// A weight packed for CPU inference, valid while its source is unchanged.
class PackedWeight {
 public:
  // Packs a float32 or bfloat16 CPU matrix [out, in]; anything else leaves this empty.
  void pack(const at::Tensor& weight);
  void clear() { packed_ = at::Tensor(); }
  // True when `input` may use the packed copy of `weight`: same storage and version as packed, input
  // on the CPU in the same dtype.
  bool serves(const at::Tensor& weight, const at::Tensor& input) const;
  at::Tensor linear(const at::Tensor& input, const at::Tensor& bias) const;
  int64_t bytes() const;

 private:
  at::Tensor packed_;
  const void* source_ = nullptr;
  int64_t version_ = -1;
};

class LinearImpl : public torch::nn::LinearImpl {
 public:
  using torch::nn::LinearImpl::LinearImpl;
  torch::Tensor forward(const torch::Tensor& input);
  PackedWeight packed;
};
TORCH_MODULE(Linear);

// Packs the weight of every Linear in `module` (recursively) that sits on the CPU in float32 or
// bfloat16, after the weights are loaded and converted. Returns the packed bytes (the memory it adds).
int64_t pack_linear_weights(torch::nn::Module& module);

}  // namespace engram::model
