#pragma once
// Prime table sizes for Engram's hash heads, searched as the reference does: every head of every
// order of every Engram layer gets its own prime, the smallest not-yet-used prime at or above the
// order's base size, searched in layer -> order -> head order with one shared used-set.

#include <cstdint>
#include <vector>

namespace engram {

// Deterministic for every 64-bit n (Miller-Rabin with the first twelve prime bases).
bool is_prime(uint64_t n);

// result[layer index][n - 2][head]; layer index follows the order of layer_ids.
std::vector<std::vector<std::vector<int64_t>>> engram_table_primes(
    const std::vector<int64_t>& base_sizes_per_order, int n_head_per_ngram, std::size_t n_layers);

}  // namespace engram
