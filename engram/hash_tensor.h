#pragma once
// Tensor front-ends of the n-gram hash: the fast CPU loop, a CUDA kernel, and a device-agnostic
// path built from tensor ops. All three give the same ids bit for bit.

#include <ATen/core/Tensor.h>

#include "engram/ngram_hash.h"

namespace engram {

// raw input_ids [B, T] (int64, any device) -> hash ids [B, T, (N-1)*K] on the same device.
at::Tensor hash_ngrams(const NgramHashMapping& mapping, const at::Tensor& input_ids, int64_t layer_id,
                       int threads = 1);

// The same computed only with tensor ops (runs on any device; the reference for the CUDA kernel).
at::Tensor hash_ngrams_tensor_ops(const NgramHashMapping& mapping, const at::Tensor& input_ids, int64_t layer_id);

// Raw ids -> compressed ids, on the ids' device; throws if an id is past the tokenizer vocabulary.
at::Tensor compress_ids(const NgramHashMapping& mapping, const at::Tensor& input_ids);

// True when this build carries the CUDA hashing kernel.
bool cuda_hash_kernel_compiled();

}  // namespace engram
