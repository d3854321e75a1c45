#include "baselines/nn/rope.h"

#include <ATen/ATen.h>

#include <cmath>
#include <stdexcept>

namespace engram::model {

double yarn_mscale(double scale, double mscale) {
  if (scale <= 1.0) return 1.0;
  return 0.1 * mscale * std::log(scale) + 1.0;
}

namespace {

constexpr double kPi = 3.14159265358979323846;

double yarn_correction_dim(double rotations, int64_t dim, double base, int64_t max_positions) {
  return (dim * std::log(max_positions / (rotations * 2 * kPi))) / (2 * std::log(base));
}

}  // namespace

RotaryEmbedding::RotaryEmbedding(int64_t rotary_dim, double theta, const std::optional<RopeScaling>& scaling,
                                 int64_t max_position_embeddings) {
  if (rotary_dim <= 0 || rotary_dim % 2 != 0) throw std::invalid_argument("rotary dimension must be positive and even");
  const at::Tensor exponents = at::arange(0, rotary_dim, 2, at::kLong).to(at::kFloat) / static_cast<double>(rotary_dim);
  const at::Tensor base_freq = at::pow(theta, exponents);  // float32, as transformers computes it
  inv_freq_ = 1.0 / base_freq;
  if (!scaling || scaling->type == "default") return;
  const RopeScaling& s = *scaling;
  if (s.type == "linear") {
    inv_freq_ = inv_freq_ / s.factor;
  } else if (s.type == "dynamic") {
    // Dynamic NTK only changes frequencies past max_position_embeddings; within it, it is the default.
  } else if (s.type == "llama3") {
    const double low_wavelen = s.original_max_position_embeddings / s.low_freq_factor;
    const double high_wavelen = s.original_max_position_embeddings / s.high_freq_factor;
    const at::Tensor wavelen = 2 * kPi / inv_freq_;
    at::Tensor scaled = at::where(wavelen > low_wavelen, inv_freq_ / s.factor, inv_freq_);
    const at::Tensor smooth =
        (s.original_max_position_embeddings / wavelen - s.low_freq_factor) / (s.high_freq_factor - s.low_freq_factor);
    const at::Tensor smoothed = (1 - smooth) * scaled / s.factor + smooth * scaled;
    const at::Tensor medium = (wavelen >= high_wavelen).logical_and(wavelen <= low_wavelen);
    inv_freq_ = at::where(medium, smoothed, scaled);
  } else if (s.type == "yarn") {
    // transformers uses the configured factor for the frequencies; the original length only places
    // the blend between extrapolated and interpolated dimensions.
    const int64_t original = s.original_max_position_embeddings > 0 ? s.original_max_position_embeddings
                                                                     : max_position_embeddings;
    const double factor = s.factor;
    if (s.attention_factor) {
      attention_factor_ = *s.attention_factor;
    } else {
      attention_factor_ = (s.mscale != 0 && s.mscale_all_dim != 0)
                              ? yarn_mscale(factor, s.mscale) / yarn_mscale(factor, s.mscale_all_dim)
                              : yarn_mscale(factor, 1.0);
    }
    double low = yarn_correction_dim(s.beta_fast, rotary_dim, theta, original);
    double high = yarn_correction_dim(s.beta_slow, rotary_dim, theta, original);
    if (s.truncate) {
      low = std::floor(low);
      high = std::ceil(high);
    }
    low = std::max(low, 0.0);
    high = std::min(high, static_cast<double>(rotary_dim - 1));
    if (low == high) high += 0.001;
    const at::Tensor ramp = ((at::arange(rotary_dim / 2, at::kFloat) - low) / (high - low)).clamp(0, 1);
    const at::Tensor extrapolation_weight = 1 - ramp;
    const at::Tensor interpolation = 1.0 / (factor * base_freq);
    inv_freq_ = interpolation * (1 - extrapolation_weight) + inv_freq_ * extrapolation_weight;
  } else {
    throw std::invalid_argument("rope_scaling type '" + s.type + "' is not supported");
  }
}

std::pair<at::Tensor, at::Tensor> RotaryEmbedding::cos_sin(const at::Tensor& positions) const {
  if (!device_inv_freq_.defined() || device_inv_freq_.device() != positions.device()) {
    device_inv_freq_ = inv_freq_.to(positions.device());
  }
  const at::Tensor freqs = positions.to(at::kFloat).unsqueeze(-1) * device_inv_freq_;  // [B, T, D/2]
  const at::Tensor emb = at::cat({freqs, freqs}, -1);
  return {emb.cos() * attention_factor_, emb.sin() * attention_factor_};
}

at::Tensor apply_rotary(const at::Tensor& x, const at::Tensor& cos, const at::Tensor& sin, bool interleaved) {
  at::Tensor input = x;
  const int64_t dim = x.size(-1);
  if (interleaved) {
    // (x0, x1, x2, x3, ...) -> (x0, x2, ..., x1, x3, ...): pairs become the two halves.
    input = x.unflatten(-1, {dim / 2, 2}).transpose(-1, -2).flatten(-2);
  }
  const at::Tensor c = cos.unsqueeze(1).to(x.scalar_type());
  const at::Tensor s = sin.unsqueeze(1).to(x.scalar_type());
  const at::Tensor first = input.narrow(-1, 0, dim / 2);
  const at::Tensor second = input.narrow(-1, dim / 2, dim / 2);
  const at::Tensor rotated = at::cat({-second, first}, -1);
  return input * c + rotated * s;
}

}  // namespace engram::model
