#pragma once
// The dtype a model's weights are held in, converted once at load: float32, bfloat16 or float16.
// Logits always come back in float32 (CausalLM::project), so log-softmax and sampling are float32.

#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>
#include <torch/nn/module.h>

#include <string>

namespace engram::model {

// "float32" | "bfloat16" | "float16" (also "fp32", "bf16", "fp16"); "auto": default_weight_dtype.
// Anything else throws std::invalid_argument naming `option` and the accepted values.
c10::ScalarType parse_weight_dtype(const std::string& name, const c10::Device& device,
                                   const std::string& option = "--dtype");

// "float32", "bfloat16" or "float16": the name parse_weight_dtype takes back.
std::string weight_dtype_name(c10::ScalarType dtype);

// bfloat16 on CUDA, float32 elsewhere (a CPU runs bfloat16 only when asked: it is fast only with
// AVX-512-BF16 or AMX, and the float32 parity tests are the reference).
c10::ScalarType default_weight_dtype(const c10::Device& device);

// Converts every floating parameter and buffer of `module` to `dtype`, in place, except the few read
// by float32 computations anyway (MoE router weights and correction biases, mHC mixing parameters):
// those stay float32 so that no step converts them again.
void convert_weights(torch::nn::Module& module, c10::ScalarType dtype);

}  // namespace engram::model
