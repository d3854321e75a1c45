#include "engram/primes.h"

#include <set>
#include <stdexcept>

namespace engram {
namespace {

uint64_t mulmod(uint64_t a, uint64_t b, uint64_t m) {
  return static_cast<uint64_t>(static_cast<unsigned __int128>(a) * b % m);
}

uint64_t powmod(uint64_t base, uint64_t exponent, uint64_t m) {
  uint64_t result = 1 % m;
  base %= m;
  while (exponent) {
    if (exponent & 1u) result = mulmod(result, base, m);
    base = mulmod(base, base, m);
    exponent >>= 1;
  }
  return result;
}

}  // namespace

bool is_prime(uint64_t n) {
  static constexpr uint64_t kBases[] = {2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37};
  if (n < 2) return false;
  for (uint64_t p : kBases) {
    if (n % p == 0) return n == p;
  }
  uint64_t d = n - 1;
  int s = 0;
  while ((d & 1u) == 0) {
    d >>= 1;
    ++s;
  }
  for (uint64_t a : kBases) {
    uint64_t x = powmod(a, d, n);
    if (x == 1 || x == n - 1) continue;
    bool composite = true;
    for (int r = 1; r < s; ++r) {
      x = mulmod(x, x, n);
      if (x == n - 1) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

std::vector<std::vector<std::vector<int64_t>>> engram_table_primes(
    const std::vector<int64_t>& base_sizes_per_order, int n_head_per_ngram, std::size_t n_layers) {
  std::set<int64_t> used;
  std::vector<std::vector<std::vector<int64_t>>> result(n_layers);
  for (std::size_t layer = 0; layer < n_layers; ++layer) {
    for (int64_t base : base_sizes_per_order) {
      if (base < 1) throw std::invalid_argument("engram table base size must be positive");
      std::vector<int64_t> heads;
      int64_t candidate = base;  // the reference searches upward from base - 1, exclusive
      for (int head = 0; head < n_head_per_ngram; ++head) {
        while (!is_prime(static_cast<uint64_t>(candidate)) || used.count(candidate)) ++candidate;
        used.insert(candidate);
        heads.push_back(candidate);
        ++candidate;
      }
      result[layer].push_back(std::move(heads));
    }
  }
  return result;
}

}  // namespace engram
