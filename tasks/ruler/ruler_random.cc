#include "tasks/ruler/ruler_random.h"

#include <stdexcept>
#include <unordered_set>

namespace engram::tasks::ruler {
namespace {

// splitmix64's finaliser: a bijective mix with good avalanche, to combine seed parts.
uint64_t mix(uint64_t x) {
  x += 0x9e3779b97f4a7c15ULL;
  x = (x ^ (x >> 30)) * 0xbf58476d1ce4e5b9ULL;
  x = (x ^ (x >> 27)) * 0x94d049bb133111ebULL;
  return x ^ (x >> 31);
}

}  // namespace

uint64_t RulerRandom::below(uint64_t n) {
  if (n == 0) throw std::invalid_argument("RulerRandom::below(0)");
  // Accept draws below the largest multiple of n that fits in 64 bits.
  const uint64_t limit = UINT64_MAX - (UINT64_MAX % n + 1) % n;
  uint64_t x = next();
  while (x > limit) x = next();
  return x % n;
}

int64_t RulerRandom::between(int64_t low, int64_t high) {
  if (high < low) throw std::invalid_argument("RulerRandom::between: empty range");
  const uint64_t span = static_cast<uint64_t>(high) - static_cast<uint64_t>(low) + 1;
  return low + static_cast<int64_t>(span == 0 ? next() : below(span));
}

std::vector<size_t> RulerRandom::sample_indices(size_t n, size_t k) {
  if (k > n) throw std::invalid_argument("RulerRandom::sample_indices: sample larger than population");
  std::vector<size_t> out;
  out.reserve(k);
  if (k * 4 < n) {
    // Sparse draw: rejection keeps memory at O(k) for huge populations (document pools, haystacks).
    std::unordered_set<size_t> seen;
    while (out.size() < k) {
      const size_t x = static_cast<size_t>(below(n));
      if (seen.insert(x).second) out.push_back(x);
    }
    return out;
  }
  std::vector<size_t> all(n);
  for (size_t i = 0; i < n; ++i) all[i] = i;
  for (size_t i = 0; i < k; ++i) {
    const size_t j = i + static_cast<size_t>(below(n - i));
    std::swap(all[i], all[j]);
    out.push_back(all[i]);
  }
  return out;
}

uint64_t derive_seed(uint64_t seed, std::string_view stream, uint64_t a, uint64_t b) {
  uint64_t h = mix(seed);
  for (unsigned char c : stream) h = mix(h ^ c);
  h = mix(h ^ a);
  return mix(h ^ (b + 0x632be59bd9b4e019ULL));
}

}  // namespace engram::tasks::ruler
