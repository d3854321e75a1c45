#pragma once
// The settings that determine Engram's n-gram hash ids, named as in the reference EngramConfig.

#include <cstdint>
#include <string>
#include <vector>

namespace engram {

struct NgramHashConfig {
  std::vector<int64_t> engram_vocab_size{129280 * 5, 129280 * 5};  // base table size per order 2..N
  int max_ngram_size = 3;
  int n_head_per_ngram = 8;
  std::vector<int64_t> layer_ids{1, 15};
  int64_t pad_id = 2;  // a raw token id; mapped through the compression table
  uint64_t seed = 0;

  int heads_per_layer() const { return (max_ngram_size - 1) * n_head_per_ngram; }
  // Throws std::invalid_argument naming the offending field.
  void validate() const;
};

}  // namespace engram
