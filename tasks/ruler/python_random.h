#pragma once
// CPython's random.Random, the parts RULER's generators call, so that our samples are upstream's
// bit for bit: seeding from an int (init_by_array over the int's 32-bit words), random() (53 bits
// from two draws), getrandbits, _randbelow (getrandbits rejection), randrange/randint, choice,
// choices (unweighted), sample (both its pool and its set branch) and shuffle. Checked against
// CPython's own output in tests/data/python_random_cases.json (scripts/gen_python_random_cases.py).

#include <cstddef>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "tasks/ruler/mersenne_twister.h"

namespace engram::tasks::ruler {

class PythonRandom {
 public:
  explicit PythonRandom(uint64_t seed);  // random.Random(seed), seed >= 0

  double random();
  // getrandbits(k) for 0 < k <= 64.
  uint64_t getrandbits(int k);
  // getrandbits(k) for any k > 0, as little-endian 32-bit words (CPython's own layout).
  std::vector<uint32_t> getrandbits_words(int k);
  uint64_t randbelow(uint64_t n);  // _randbelow(n), n > 0
  int64_t randrange(int64_t start, int64_t stop);
  int64_t randint(int64_t low, int64_t high) { return randrange(low, high + 1); }
  // choices(population, k=1) on a population of n: floor(random() * n).
  size_t choices_index(size_t n);
  // The indices sample(population, k) takes from a population of n, in order.
  std::vector<size_t> sample_indices(size_t n, size_t k);

  template <typename T>
  const T& choice(const std::vector<T>& items) {
    if (items.empty()) throw std::invalid_argument("PythonRandom::choice: empty sequence");
    return items[static_cast<size_t>(randbelow(items.size()))];
  }

  template <typename T>
  std::vector<T> sample(const std::vector<T>& items, size_t k) {
    std::vector<T> out;
    out.reserve(k);
    for (size_t i : sample_indices(items.size(), k)) out.push_back(items[i]);
    return out;
  }

  template <typename T>
  void shuffle(std::vector<T>& items) {
    for (size_t i = items.size(); i-- > 1;) {
      const size_t j = static_cast<size_t>(randbelow(i + 1));
      std::swap(items[i], items[j]);
    }
  }

 private:
  MersenneTwister mt_;
};

// str(uuid.UUID(int=random.getrandbits(128), version=4)).
std::string python_uuid4(PythonRandom& random);

}  // namespace engram::tasks::ruler
