#include "engram/hash_tensor.h"

#include <ATen/ATen.h>

#include <stdexcept>
#include <string>

#ifdef ENGRAM_HAVE_CUDA
#include <c10/cuda/CUDAStream.h>

#include "engram/ngram_hash_cuda.h"
#endif

namespace engram {
namespace {

void check_ids(const at::Tensor& input_ids) {
  if (input_ids.dim() != 2) {
    throw std::invalid_argument("engram hash: input_ids must be [batch, length], got " +
                                std::to_string(input_ids.dim()) + " dims");
  }
  if (input_ids.scalar_type() != at::kLong) throw std::invalid_argument("engram hash: input_ids must be int64");
}

at::Tensor hash_on_cpu(const NgramHashMapping& mapping, const at::Tensor& input_ids, int64_t layer_id, int threads) {
  const at::Tensor raw = input_ids.contiguous();
  at::Tensor compressed = at::empty_like(raw);
  mapping.compress(raw.data_ptr<int64_t>(), compressed.data_ptr<int64_t>(), raw.numel());
  at::Tensor out = at::empty({raw.size(0), raw.size(1), mapping.config().heads_per_layer()}, raw.options());
  mapping.hash_layer(compressed.data_ptr<int64_t>(), raw.size(0), raw.size(1), layer_id, out.data_ptr<int64_t>(),
                     threads);
  return out;
}

#ifdef ENGRAM_HAVE_CUDA
at::Tensor hash_on_cuda(const NgramHashMapping& mapping, const at::Tensor& input_ids, int64_t layer_id) {
  const LayerHashParams& params = mapping.layer(layer_id);
  const at::Tensor compressed = compress_ids(mapping, input_ids).contiguous();
  const auto device = input_ids.device();
  const auto to_device = [&](const std::vector<uint64_t>& values) {
    return at::tensor(std::vector<int64_t>(values.begin(), values.end()), at::kLong).to(device);
  };
  std::vector<uint64_t> divisors, reciprocals, residues;
  for (const FloorModulus& m : params.moduli) {
    divisors.push_back(m.divisor);
    reciprocals.push_back(m.reciprocal);
    residues.push_back(m.two_pow_64_residue);
  }
  const at::Tensor multipliers = at::tensor(params.multipliers, at::kLong).to(device);
  const at::Tensor divisors_d = to_device(divisors), reciprocals_d = to_device(reciprocals),
                   residues_d = to_device(residues);
  cuda::DeviceHashParams device_params{
      multipliers.data_ptr<int64_t>(),
      reinterpret_cast<const uint64_t*>(divisors_d.data_ptr<int64_t>()),
      reinterpret_cast<const uint64_t*>(reciprocals_d.data_ptr<int64_t>()),
      reinterpret_cast<const uint64_t*>(residues_d.data_ptr<int64_t>()),
      mapping.config().max_ngram_size,
      mapping.config().n_head_per_ngram,
      mapping.pad_id_compressed()};
  at::Tensor out = at::empty({compressed.size(0), compressed.size(1), mapping.config().heads_per_layer()},
                             compressed.options());
  cuda::launch_ngram_hash(compressed.data_ptr<int64_t>(), compressed.size(0), compressed.size(1), device_params,
                          out.data_ptr<int64_t>(), c10::cuda::getCurrentCUDAStream(device.index()).stream());
  return out;
}
#endif

}  // namespace

bool cuda_hash_kernel_compiled() {
#ifdef ENGRAM_HAVE_CUDA
  return true;
#else
  return false;
#endif
}

at::Tensor compress_ids(const NgramHashMapping& mapping, const at::Tensor& input_ids) {
  check_ids(input_ids);
  const int64_t vocab = static_cast<int64_t>(mapping.lookup_table().size());
  if (input_ids.numel() > 0) {
    const int64_t max_id = input_ids.max().item<int64_t>();
    if (max_id >= vocab) {
      throw std::out_of_range("engram compress: token id " + std::to_string(max_id) +
                              " is outside the tokenizer vocabulary of " + std::to_string(vocab));
    }
  }
  const at::Tensor table = at::tensor(mapping.lookup_table(), at::kLong).to(input_ids.device());
  const at::Tensor mapped = table.index_select(0, input_ids.clamp_min(0).flatten()).view(input_ids.sizes());
  return at::where(input_ids >= 0, mapped, input_ids);
}

at::Tensor hash_ngrams_tensor_ops(const NgramHashMapping& mapping, const at::Tensor& input_ids, int64_t layer_id) {
  const LayerHashParams& params = mapping.layer(layer_id);
  const at::Tensor compressed = compress_ids(mapping, input_ids);
  const int64_t batch = compressed.size(0), length = compressed.size(1);
  const int max_n = mapping.config().max_ngram_size;
  std::vector<at::Tensor> hashes;
  // int64 tensor multiplication wraps mod 2^64 on CPU and CUDA, as numpy's does.
  at::Tensor mix = compressed * params.multipliers[0];
  for (int n = 2; n <= max_n; ++n) {
    const int64_t k = n - 1;
    const int64_t kept = std::max<int64_t>(0, length - k);
    const at::Tensor shifted = at::cat({at::full({batch, std::min(k, length)}, mapping.pad_id_compressed(), compressed.options()),
                                        compressed.narrow(1, 0, kept)}, 1);
    mix = at::bitwise_xor(mix, shifted * params.multipliers[k]);
    for (int j = 0; j < mapping.config().n_head_per_ngram; ++j) {
      hashes.push_back(at::remainder(mix, params.primes[n - 2][j]));
    }
  }
  return at::stack(hashes, 2);
}

at::Tensor hash_ngrams(const NgramHashMapping& mapping, const at::Tensor& input_ids, int64_t layer_id, int threads) {
  check_ids(input_ids);
  if (input_ids.is_cpu()) return hash_on_cpu(mapping, input_ids, layer_id, threads);
#ifdef ENGRAM_HAVE_CUDA
  if (input_ids.is_cuda()) return hash_on_cuda(mapping, input_ids, layer_id);
#endif
  return hash_ngrams_tensor_ops(mapping, input_ids, layer_id);
}

}  // namespace engram
