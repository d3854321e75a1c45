#pragma once
// The CUDA hashing kernel, kept free of LibTorch: raw device pointers and a stream.

#include <cstdint>

namespace engram::cuda {

struct DeviceHashParams {
  const int64_t* multipliers;          // [max_ngram]
  const uint64_t* divisors;            // [heads]
  const uint64_t* reciprocals;         // [heads]
  const uint64_t* two_pow_64_residues; // [heads]
  int max_ngram;
  int heads_per_order;
  int64_t pad_id;
};

// compressed [batch, length] -> out [batch, length, (max_ngram-1) * heads_per_order]
void launch_ngram_hash(const int64_t* compressed, int64_t batch, int64_t length, const DeviceHashParams& params,
                       int64_t* out, void* stream);

}  // namespace engram::cuda
