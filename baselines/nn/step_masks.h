#pragma once
// Which keys each query of one forward step may attend to, in the cheapest form the fused attention
// kernels accept: no mask at all where causality is implied (a prompt without a past, or a single new
// token without padding), a small broadcast bottom-right causal mask for several new tokens after a
// past, and a full per-row mask only where padding must be hidden.

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace engram::model {

struct StepMasks {
  at::Tensor mask;        // [B or 1, 1, T, past + T] bool (true = attend); undefined: see `causal`
  bool causal = true;     // without a mask: true = top-left causal (no past), false = every key
  at::Tensor token_mask;  // [B, T] bool, false at padding; undefined: no padding in this step
};

// [T, past + T] bool: query t (absolute position past + t) sees keys 0 .. past + t.
at::Tensor bottom_right_causal(int64_t past, int64_t length, const c10::Device& device);

// attention_mask: [B, past + T], nonzero = a real token, or undefined. A mask without zeros is
// treated as absent, so unpadded batches keep the fast paths.
StepMasks step_masks(int64_t batch, int64_t past, int64_t length, const at::Tensor& attention_mask,
                     const c10::Device& device);

// For a preallocated cache: attention_mask [B, capacity] (nonzero = a real token, this step's
// included) and the step's cache slots [T]. Query t sees the real keys at slots <= cache_slots[t], and
// itself. Builds on the device without reading values back (so it can be captured in a CUDA graph).
StepMasks preallocated_step_masks(const at::Tensor& attention_mask, const at::Tensor& cache_slots);

}  // namespace engram::model
