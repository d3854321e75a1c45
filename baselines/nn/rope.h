#pragma once
// Rotary position embedding with the scalings config.json describes (default, linear, llama3, yarn),
// computed in float32 as transformers does so that logits match it.

#include <ATen/core/Tensor.h>

#include <optional>
#include <utility>

#include "baselines/model_config.h"

namespace engram::model {

class RotaryEmbedding {
 public:
  RotaryEmbedding(int64_t rotary_dim, double theta, const std::optional<RopeScaling>& scaling,
                  int64_t max_position_embeddings);
  // positions [B, T] (int64) -> cos, sin [B, T, rotary_dim] in float32, scaled by the attention factor.
  std::pair<at::Tensor, at::Tensor> cos_sin(const at::Tensor& positions) const;
  const at::Tensor& inv_freq() const { return inv_freq_; }
  double attention_factor() const { return attention_factor_; }

 private:
  at::Tensor inv_freq_;  // [rotary_dim / 2], float32, CPU
  // inv_freq_ on the device last asked for: copied once, not at every step (a host-to-device copy
  // inside a captured CUDA graph is not allowed).
  mutable at::Tensor device_inv_freq_;
  double attention_factor_ = 1.0;
};

// x [B, heads, T, D] with cos/sin [B, T, D]: x*cos + rotate_half(x)*sin. With `interleaved` the
// rotary pairs are adjacent elements (DeepSeek checkpoints); they are first regrouped into halves.
at::Tensor apply_rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, bool interleaved);

// YaRN's magnitude correction, 0.1 * mscale * ln(scale) + 1 for scale > 1.
double yarn_mscale(double scale, double mscale);

}  // namespace engram::model
