#include "engram/ngram_hash.h"

#include <algorithm>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>

#include "engram/ngram_hash_simd.h"
#include "engram/numpy_rng.h"
#include "engram/primes.h"

namespace engram {

FloorModulus::FloorModulus(uint64_t d) : divisor(d) {
  if (d == 0) throw std::invalid_argument("FloorModulus: divisor must be positive");
  reciprocal = std::numeric_limits<uint64_t>::max() / d;
  two_pow_64_residue = (std::numeric_limits<uint64_t>::max() % d + 1) % d;
}

int64_t LayerHashParams::total_rows() const {
  int64_t total = 0;
  for (int64_t n : table_sizes) total += n;
  return total;
}

std::vector<int64_t> layer_multipliers(uint64_t seed, int64_t layer_id, int64_t tokenizer_vocab_size,
                                       int max_ngram_size) {
  constexpr int64_t kLayerSeedStride = 10007;
  if (tokenizer_vocab_size < 1) throw std::invalid_argument("tokenizer_vocab_size must be positive");
  const int64_t max_multiplier = std::numeric_limits<int64_t>::max() / tokenizer_vocab_size;
  const int64_t half_bound = std::max<int64_t>(1, max_multiplier / 2);
  const uint64_t layer_seed = seed + static_cast<uint64_t>(kLayerSeedStride * layer_id);
  std::vector<int64_t> draws = default_rng_integers(layer_seed, 0, half_bound, max_ngram_size);
  for (int64_t& r : draws) r = 2 * r + 1;
  return draws;
}

NgramHashMapping::NgramHashMapping(NgramHashConfig config, std::vector<int64_t> lookup_table)
    : config_(std::move(config)), lookup_table_(std::move(lookup_table)) {
  config_.validate();
  if (lookup_table_.empty()) throw std::invalid_argument("engram lookup_table: empty");
  int64_t max_id = -1;
  for (std::size_t i = 0; i < lookup_table_.size(); ++i) {
    if (lookup_table_[i] < 0) {
      throw std::invalid_argument("engram lookup_table[" + std::to_string(i) + "]: negative compressed id");
    }
    max_id = std::max(max_id, lookup_table_[i]);
  }
  // Compressed ids are dense (first-appearance order), so the vocabulary is max + 1.
  tokenizer_vocab_size_ = max_id + 1;
  if (config_.pad_id >= static_cast<int64_t>(lookup_table_.size())) {
    throw std::invalid_argument("engram config field 'pad_id': " + std::to_string(config_.pad_id) +
                                " is outside the lookup table of " + std::to_string(lookup_table_.size()) + " ids");
  }
  pad_id_compressed_ = lookup_table_[config_.pad_id];
  half_bound_ = std::max<int64_t>(1, std::numeric_limits<int64_t>::max() / tokenizer_vocab_size_ / 2);

  const auto primes = engram_table_primes(config_.engram_vocab_size, config_.n_head_per_ngram,
                                          config_.layer_ids.size());
  for (std::size_t i = 0; i < config_.layer_ids.size(); ++i) {
    LayerHashParams params;
    params.layer_id = config_.layer_ids[i];
    params.multipliers =
        layer_multipliers(config_.seed, params.layer_id, tokenizer_vocab_size_, config_.max_ngram_size);
    params.primes = primes[i];
    int64_t offset = 0;
    for (const auto& order : params.primes) {
      for (int64_t p : order) {
        params.table_sizes.push_back(p);
        params.row_offsets.push_back(offset);
        params.moduli.emplace_back(static_cast<uint64_t>(p));
        params.reciprocals.push_back(1.0 / static_cast<double>(p));
        offset += p;
      }
    }
    params.vector_path = simd::cpu_has_avx512() &&
                         simd::simd_moduli_supported(params.table_sizes.data(), static_cast<int>(params.table_sizes.size()));
    layers_.push_back(std::move(params));
  }
}

const LayerHashParams& NgramHashMapping::layer(int64_t layer_id) const {
  for (const auto& params : layers_) {
    if (params.layer_id == layer_id) return params;
  }
  throw std::invalid_argument("engram: layer " + std::to_string(layer_id) + " is not in layer_ids");
}

void NgramHashMapping::compress(const int64_t* raw_ids, int64_t* out, int64_t count) const {
  const int64_t vocab = static_cast<int64_t>(lookup_table_.size());
  for (int64_t i = 0; i < count; ++i) {
    const int64_t id = raw_ids[i];
    if (id >= vocab) {
      throw std::out_of_range("engram compress: token id " + std::to_string(id) + " at position " +
                              std::to_string(i) + " is outside the tokenizer vocabulary of " +
                              std::to_string(vocab));
    }
    out[i] = id >= 0 ? lookup_table_[id] : id;
  }
}

namespace {
// Multiplication in uint64 wraps mod 2^64 as numpy's int64 arithmetic does; signed overflow would be UB.
inline int64_t wrapping_mul(int64_t a, int64_t b) {
  return static_cast<int64_t>(static_cast<uint64_t>(a) * static_cast<uint64_t>(b));
}
}  // namespace

void NgramHashMapping::mix_layer(const int64_t* compressed, int64_t batch, int64_t length,
                                 int64_t layer_id, int n, int64_t* out) const {
  if (n < 2 || n > config_.max_ngram_size) throw std::invalid_argument("mix_layer: n out of range");
  const LayerHashParams& params = layer(layer_id);
  for (int64_t b = 0; b < batch; ++b) {
    const int64_t* row = compressed + b * length;
    for (int64_t t = 0; t < length; ++t) {
      int64_t mix = 0;
      for (int k = 0; k < n; ++k) {
        const int64_t token = t - k >= 0 ? row[t - k] : pad_id_compressed_;
        mix ^= wrapping_mul(token, params.multipliers[k]);
      }
      out[b * length + t] = mix;
    }
  }
}

void NgramHashMapping::hash_rows(const int64_t* compressed, int64_t length, const LayerHashParams& params,
                                 int64_t begin, int64_t end, int64_t* out) const {
  const int max_n = config_.max_ngram_size;
  const int heads = config_.n_head_per_ngram;
  if (params.vector_path && use_vector_path_) {
    const simd::RowHashArgs args{compressed, length, params.multipliers.data(), params.table_sizes.data(),
                                 params.reciprocals.data(), max_n, heads, pad_id_compressed_};
    simd::hash_rows_avx512(args, begin, end, out);
    return;
  }
  const int total_heads = config_.heads_per_layer();
  const int64_t* multipliers = params.multipliers.data();
  const FloorModulus* moduli = params.moduli.data();
  const int64_t pad = pad_id_compressed_;
  // t is the position within its row; counted rather than divided for on every step.
  for (int64_t pos = begin, t = begin % length; pos < end; ++pos, t = t + 1 == length ? 0 : t + 1) {
    const int64_t* current = compressed + pos;
    int64_t* dst = out + pos * total_heads;
    int64_t mix = wrapping_mul(*current, multipliers[0]);
    for (int n = 2; n <= max_n; ++n) {
      const int k = n - 1;
      const int64_t token = t >= k ? current[-k] : pad;
      mix ^= wrapping_mul(token, multipliers[k]);
      const FloorModulus* order_moduli = moduli + (n - 2) * heads;
      int64_t* order_dst = dst + (n - 2) * heads;
      for (int j = 0; j < heads; ++j) order_dst[j] = order_moduli[j](mix);
    }
  }
}

void NgramHashMapping::hash_layer(const int64_t* compressed, int64_t batch, int64_t length,
                                  int64_t layer_id, int64_t* out, int threads) const {
  const LayerHashParams& params = layer(layer_id);
  const int64_t positions = batch * length;
  if (threads <= 0) threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // Below this many positions per thread, thread start-up costs more than it saves.
  constexpr int64_t kMinPositionsPerThread = 4096;
  threads = static_cast<int>(std::min<int64_t>(threads, std::max<int64_t>(1, positions / kMinPositionsPerThread)));
  if (threads == 1) {
    hash_rows(compressed, length, params, 0, positions, out);
    return;
  }
  std::vector<std::thread> workers;
  const int64_t chunk = (positions + threads - 1) / threads;
  for (int i = 0; i < threads; ++i) {
    const int64_t begin = i * chunk;
    const int64_t end = std::min(positions, begin + chunk);
    if (begin >= end) break;
    workers.emplace_back([=, &params] { hash_rows(compressed, length, params, begin, end, out); });
  }
  for (auto& worker : workers) worker.join();
}

}  // namespace engram
