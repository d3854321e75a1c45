#include "baselines/nn/step_masks.h"

#include <ATen/ATen.h>

namespace engram::model {

at::Tensor bottom_right_causal(int64_t past, int64_t length, const c10::Device& device) {
  const auto options = at::TensorOptions().dtype(at::kLong).device(device);
  const at::Tensor query_pos = at::arange(past, past + length, options);
  const at::Tensor key_pos = at::arange(past + length, options);
  return key_pos.unsqueeze(0) <= query_pos.unsqueeze(1);
}

StepMasks step_masks(int64_t batch, int64_t past, int64_t length, const at::Tensor& attention_mask,
                     const c10::Device& device) {
  StepMasks masks;
  at::Tensor keys_valid;
  if (attention_mask.defined()) {
    TORCH_CHECK(attention_mask.dim() == 2 && attention_mask.size(0) == batch && attention_mask.size(1) == past + length,
                "attention_mask must be [batch, past + length] = [", batch, ", ", past + length, "], got ",
                attention_mask.sizes());
    keys_valid = attention_mask.to(device).ne(0);
    if (keys_valid.all().item<bool>()) keys_valid = at::Tensor();
  }
  if (!keys_valid.defined()) {
    if (past == 0) return masks;  // top-left causal is the right causal
    if (length == 1) {
      masks.causal = false;  // the one new token sees every cached key
      return masks;
    }
    masks.mask = bottom_right_causal(past, length, device).unsqueeze(0).unsqueeze(0);
    return masks;
  }
  const at::Tensor causal = bottom_right_causal(past, length, device);
  // A padding query still sees itself, so no row is fully masked (no NaN to leak through V).
  const at::Tensor query_pos = at::arange(past, past + length, at::TensorOptions().dtype(at::kLong).device(device));
  const at::Tensor key_pos = at::arange(past + length, at::TensorOptions().dtype(at::kLong).device(device));
  const at::Tensor self_key = (key_pos.unsqueeze(0) == query_pos.unsqueeze(1)).unsqueeze(0).unsqueeze(0);
  masks.mask = causal.unsqueeze(0).unsqueeze(0).logical_and(keys_valid.unsqueeze(1).unsqueeze(1).logical_or(self_key));
  masks.token_mask = keys_valid.narrow(1, past, length);
  return masks;
}

StepMasks preallocated_step_masks(const at::Tensor& attention_mask, const at::Tensor& cache_slots) {
  TORCH_CHECK(attention_mask.dim() == 2 && cache_slots.dim() == 1,
              "a preallocated cache needs attention_mask [batch, capacity] and cache_slots [length]");
  const at::Tensor keys = at::arange(attention_mask.size(1), cache_slots.options());
  const at::Tensor slots = cache_slots.unsqueeze(1);
  const at::Tensor causal = keys.unsqueeze(0) <= slots;  // [T, capacity]
  const at::Tensor self_key = (keys.unsqueeze(0) == slots).unsqueeze(0).unsqueeze(0);
  StepMasks masks;
  masks.mask = causal.unsqueeze(0).unsqueeze(0).logical_and(attention_mask.ne(0).unsqueeze(1).unsqueeze(1)).logical_or(self_key);
  return masks;
}

}  // namespace engram::model
