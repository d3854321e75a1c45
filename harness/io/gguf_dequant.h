#pragma once
// ggml tensor types to float32 LibTorch tensors, value for value as ggml's dequantize_row_* (and the
// `gguf` Python package's gguf.quants.dequantize) compute them: F32, F16, BF16, Q8_0, Q4_0, Q4_1,
// Q5_0, Q5_1 and the K-quants Q4_K, Q5_K, Q6_K.

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <string>

#include "harness/io/gguf_types.h"

namespace engram::io {

bool gguf_dequantizable(const GgmlType& type);

// `numel` values stored as `type` at `bytes` (numel / block_elements blocks, which the caller has
// bounds-checked) into a new 1-D float32 tensor. Throws naming `where` (file and tensor) and the type
// when the type is not one of the above.
at::Tensor dequantize_gguf(const GgmlType& type, const uint8_t* bytes, int64_t numel, const std::string& where);

}  // namespace engram::io
