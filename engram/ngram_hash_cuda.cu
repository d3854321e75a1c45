#include "engram/ngram_hash_cuda.h"

#include <cuda_runtime.h>

#include <stdexcept>
#include <string>

namespace engram::cuda {
namespace {

__device__ __forceinline__ int64_t floor_mod(int64_t x, uint64_t divisor, uint64_t reciprocal, uint64_t residue) {
  const uint64_t u = static_cast<uint64_t>(x);
  const uint64_t q = __umul64hi(u, reciprocal);
  uint64_t r = u - q * divisor;
  if (r >= divisor) r -= divisor;
  if (x < 0) r = r >= residue ? r - residue : r + divisor - residue;
  return static_cast<int64_t>(r);
}

__global__ void ngram_hash_kernel(const int64_t* __restrict__ compressed, int64_t positions, int64_t length,
                                  DeviceHashParams params, int64_t* __restrict__ out) {
  const int64_t pos = static_cast<int64_t>(blockIdx.x) * blockDim.x + threadIdx.x;
  if (pos >= positions) return;
  const int64_t t = pos % length;
  const int total_heads = (params.max_ngram - 1) * params.heads_per_order;
  int64_t* dst = out + pos * total_heads;
  uint64_t mix = static_cast<uint64_t>(compressed[pos]) * static_cast<uint64_t>(params.multipliers[0]);
  for (int n = 2; n <= params.max_ngram; ++n) {
    const int k = n - 1;
    const int64_t token = t >= k ? compressed[pos - k] : params.pad_id;
    mix ^= static_cast<uint64_t>(token) * static_cast<uint64_t>(params.multipliers[k]);
    for (int j = 0; j < params.heads_per_order; ++j) {
      const int head = (n - 2) * params.heads_per_order + j;
      dst[head] = floor_mod(static_cast<int64_t>(mix), params.divisors[head], params.reciprocals[head],
                            params.two_pow_64_residues[head]);
    }
  }
}

}  // namespace

void launch_ngram_hash(const int64_t* compressed, int64_t batch, int64_t length, const DeviceHashParams& params,
                       int64_t* out, void* stream) {
  const int64_t positions = batch * length;
  if (positions == 0) return;
  constexpr int kThreads = 256;
  const int64_t blocks = (positions + kThreads - 1) / kThreads;
  ngram_hash_kernel<<<static_cast<unsigned>(blocks), kThreads, 0, static_cast<cudaStream_t>(stream)>>>(
      compressed, positions, length, params, out);
  const cudaError_t status = cudaGetLastError();
  if (status != cudaSuccess) {
    throw std::runtime_error(std::string("engram hash kernel launch failed: ") + cudaGetErrorString(status));
  }
}

}  // namespace engram::cuda
