#pragma once
// Engram's n-gram hash mapping (reference: NgramHashMapping). Pure C++ on int64 buffers so that the
// hot loop stays free of tensor overhead; engram/hash_tensor.h adapts it to tensors and the GPU.

#include <cstdint>
#include <map>
#include <vector>

#include "engram/hash_config.h"

namespace engram {

// Floor modulo by a fixed positive divisor via Barrett reduction on the two's-complement bits.
struct FloorModulus {
  uint64_t divisor = 1;
  uint64_t reciprocal = 0;          // floor((2^64 - 1) / divisor)
  uint64_t two_pow_64_residue = 0;  // 2^64 mod divisor

  explicit FloorModulus(uint64_t d = 1);
  int64_t operator()(int64_t x) const {
    const uint64_t u = static_cast<uint64_t>(x);
    const uint64_t q = static_cast<uint64_t>((static_cast<unsigned __int128>(u) * reciprocal) >> 64);
    uint64_t r = u - q * divisor;
    if (r >= divisor) r -= divisor;
    // A negative x stands for u - 2^64.
    if (x < 0) r = r >= two_pow_64_residue ? r - two_pow_64_residue : r + divisor - two_pow_64_residue;
    return static_cast<int64_t>(r);
  }
};

struct LayerHashParams {
  int64_t layer_id = 0;
  std::vector<int64_t> multipliers;             // one per token position k = 0..N-1
  std::vector<std::vector<int64_t>> primes;     // [n - 2][head]
  std::vector<int64_t> table_sizes;             // primes flattened order-major, head-minor
  std::vector<int64_t> row_offsets;             // exclusive prefix sum of table_sizes
  std::vector<FloorModulus> moduli;             // one per flattened head
  std::vector<double> reciprocals;              // 1 / table size, for the vector path
  bool vector_path = false;                     // table sizes suit the AVX-512 path
  int64_t total_rows() const;
};

class NgramHashMapping {
 public:
  // lookup_table maps raw token ids to compressed ids (see engram/compression.h).
  NgramHashMapping(NgramHashConfig config, std::vector<int64_t> lookup_table);

  const NgramHashConfig& config() const { return config_; }
  const std::vector<int64_t>& lookup_table() const { return lookup_table_; }
  int64_t tokenizer_vocab_size() const { return tokenizer_vocab_size_; }
  int64_t pad_id_compressed() const { return pad_id_compressed_; }
  int64_t half_bound() const { return half_bound_; }
  const LayerHashParams& layer(int64_t layer_id) const;
  const std::vector<LayerHashParams>& layers() const { return layers_; }

  // Ids >= 0 go through the table, ids < 0 pass through; an id past the table throws.
  void compress(const int64_t* raw_ids, int64_t* out, int64_t count) const;

  // hash_ids[b, t, head] for compressed ids [batch, length]; out holds batch*length*heads.
  // threads <= 0 uses every hardware thread.
  void hash_layer(const int64_t* compressed, int64_t batch, int64_t length, int64_t layer_id,
                  int64_t* out, int threads = 1) const;
  // Tests force the portable scalar loop to check it against the vector one.
  void set_vector_path_enabled(bool enabled) { use_vector_path_ = enabled; }
  bool vector_path_active(int64_t layer_id) const { return use_vector_path_ && layer(layer_id).vector_path; }
  // The pre-modulo XOR mix for order n, [batch, length]; exposed for parity checks.
  void mix_layer(const int64_t* compressed, int64_t batch, int64_t length, int64_t layer_id, int n,
                 int64_t* out) const;

 private:
  void hash_rows(const int64_t* compressed, int64_t length, const LayerHashParams& params,
                 int64_t begin, int64_t end, int64_t* out) const;

  NgramHashConfig config_;
  std::vector<int64_t> lookup_table_;
  int64_t tokenizer_vocab_size_ = 0;
  int64_t pad_id_compressed_ = 0;
  int64_t half_bound_ = 0;
  bool use_vector_path_ = true;
  std::vector<LayerHashParams> layers_;
};

// numpy.random.default_rng(seed + 10007*layer_id).integers(0, half_bound, max_ngram)*2+1.
std::vector<int64_t> layer_multipliers(uint64_t seed, int64_t layer_id, int64_t tokenizer_vocab_size,
                                       int max_ngram_size);

}  // namespace engram
