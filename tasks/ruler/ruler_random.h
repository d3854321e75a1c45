#pragma once
// The seeded random source of the RULER generators. RULER itself draws from CPython's `random` and
// numpy; reproducing those bit for bit is not the goal (eval-protocols.md, RULER: "generate natively,
// keep the structure, the parameters and the length-fitting rule"). What matters here is that the
// same seed gives the same samples on every platform, so the integer and shuffle algorithms are
// written out instead of using std::uniform_int_distribution, whose output differs between
// standard libraries. std::mt19937_64's sequence is fixed by the standard.

#include <cstddef>
#include <cstdint>
#include <random>
#include <string_view>
#include <utility>
#include <vector>

namespace engram::tasks::ruler {

class RulerRandom {
 public:
  explicit RulerRandom(uint64_t seed) : engine_(seed) {}

  uint64_t next() { return engine_(); }
  // Uniform in [0, n); n > 0. Rejection sampling, so there is no modulo bias.
  uint64_t below(uint64_t n);
  // Uniform in [low, high], both inclusive.
  int64_t between(int64_t low, int64_t high);
  // k distinct values of [0, n) in random order (Python's random.sample(range(n), k)); k <= n.
  std::vector<size_t> sample_indices(size_t n, size_t k);

  // Fisher-Yates.
  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i > 1; --i) {
      const size_t j = static_cast<size_t>(below(i));
      std::swap(items[i - 1], items[j]);
    }
  }

 private:
  std::mt19937_64 engine_;
};

// A seed for one stream, mixed from the run's seed and the stream's identity (task, length, sample),
// so that sample i is the same whether 5 or 500 samples are generated.
uint64_t derive_seed(uint64_t seed, std::string_view stream, uint64_t a = 0, uint64_t b = 0);

}  // namespace engram::tasks::ruler
