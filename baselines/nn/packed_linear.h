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

#include <utility>
#include <vector>

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
  // input x weight^T + bias, where `weight` is the matrix this was packed from (serves() said so):
  // inputs of a few rows read it directly instead (skinny_linear.h), the rest use the packed copy.
  at::Tensor linear(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias) const;
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

// Projections of one input (attention's q, k and v; an MLP's gate and up) packed as one stacked
// matrix, so that a step makes one oneDNN call where it made several: at decode sizes each call's
// fixed cost rivals its arithmetic (SmolLM2, bfloat16, one row: q, k and v 72 us apart, 38 us
// fused). The members keep their parameters; their own packed copies are dropped, so the memory
// stays that of one packed copy. Serves only while every member's weight is the one it was fused
// from (same storage and version), like PackedWeight.
class FusedProjections {
 public:
  // Fuses `members` when all are packable alike (CPU, float32 or bfloat16, one dtype, biases on all or
  // none); otherwise leaves them as they were. Returns the change in packed bytes.
  int64_t fuse(const std::vector<Linear>& members);
  // Each member's output for `input`, or an empty vector when the fused copy cannot serve. Inputs of a
  // few rows read the members' own weights instead (skinny_linear.h): one pass over each is all
  // they need, and the packed GEMM is slower there.
  std::vector<at::Tensor> forward(const at::Tensor& input) const;

 private:
  std::vector<Linear> members_;
  std::vector<std::pair<const void*, int64_t>> sources_;  // each member weight's storage and version
  std::vector<int64_t> sizes_;                             // each member's output features
  at::Tensor packed_, bias_;
};

// Packs the weight of every Linear in `module` (recursively) that sits on the CPU in float32 or
// bfloat16, after the weights are loaded and converted. Returns the packed bytes (the memory it adds).
int64_t pack_linear_weights(torch::nn::Module& module);

}  // namespace engram::model
