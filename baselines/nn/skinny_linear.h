#pragma once
// A linear layer for the few rows of a decode step, reading the weight once in its own row-major
// layout with AVX-512 dot products (VDPBF16PS for bfloat16, FMA for float32).
//
// With one or two input rows a projection is bound by reading its weight, and neither MKL's GEMV
// nor oneDNN's packed GEMM reaches the memory's speed there: on this project's 2-core AVX-512-BF16
// VM, one thread, reading 212 MB of bfloat16 weights took 9 ms as a plain sum and 20 ms as
// at::linear with one row. Here each weight row is streamed once and dotted with every input row
// while it is in registers; the sums are float32, rounded once to the output dtype, as oneDNN does.
//
// Only for CPU tensors whose dtype the processor can do this way; callers fall back otherwise.

#include <ATen/core/Tensor.h>

namespace engram::model {

// Most input rows served. With more, the multiply-adds per weight byte rather than the reads bound
// this loop (4 rows: 10 GB/s here), and oneDNN's blocked GEMM does better (16 GB/s).
inline constexpr int64_t kSkinnyLinearMaxRows = 2;

// True when `input` (any leading shape, at most kSkinnyLinearMaxRows rows in all) and `weight`
// [out, in] can take this path: CPU, contiguous weight, both float32 or both bfloat16, and the
// processor has AVX-512 (and AVX-512-BF16 for bfloat16).
bool skinny_linear_serves(const at::Tensor& input, const at::Tensor& weight);

// input x weight^T + bias, in input's dtype and leading shape. `bias` may be undefined.
at::Tensor skinny_linear(const at::Tensor& input, const at::Tensor& weight, const at::Tensor& bias);

}  // namespace engram::model
