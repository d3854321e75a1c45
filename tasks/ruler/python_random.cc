#include "tasks/ruler/python_random.h"

#include <cmath>
#include <cstdio>
#include <unordered_set>

namespace engram::tasks::ruler {
namespace {

std::vector<uint32_t> seed_words(uint64_t seed) {
  std::vector<uint32_t> key{static_cast<uint32_t>(seed)};
  if (seed >> 32) key.push_back(static_cast<uint32_t>(seed >> 32));
  return key;
}

int bit_length(uint64_t n) {
  int bits = 0;
  while (n) {
    ++bits;
    n >>= 1;
  }
  return bits;
}

// sample()'s switch between its pool and its set branch: the size a set of k picks would take.
uint64_t sample_set_size(size_t k) {
  uint64_t setsize = 21;
  if (k > 5) {
    const double exponent = std::ceil(std::log(static_cast<double>(k * 3)) / std::log(4.0));
    setsize += uint64_t{1} << (2 * static_cast<int>(exponent));
  }
  return setsize;
}

}  // namespace

PythonRandom::PythonRandom(uint64_t seed) : mt_(MersenneTwister::from_array(seed_words(seed))) {}

double PythonRandom::random() {
  const uint32_t a = mt_.next_u32() >> 5;
  const uint32_t b = mt_.next_u32() >> 6;
  return (a * 67108864.0 + b) * (1.0 / 9007199254740992.0);
}

std::vector<uint32_t> PythonRandom::getrandbits_words(int k) {
  if (k <= 0) throw std::invalid_argument("PythonRandom::getrandbits: k must be positive");
  std::vector<uint32_t> words;
  for (; k > 0; k -= 32) {
    uint32_t r = mt_.next_u32();
    if (k < 32) r >>= (32 - k);  // CPython drops the least significant bits
    words.push_back(r);
  }
  return words;
}

uint64_t PythonRandom::getrandbits(int k) {
  if (k > 64) throw std::invalid_argument("PythonRandom::getrandbits: k over 64; use getrandbits_words");
  const auto words = getrandbits_words(k);
  uint64_t value = words[0];
  if (words.size() > 1) value |= uint64_t{words[1]} << 32;
  return value;
}

uint64_t PythonRandom::randbelow(uint64_t n) {
  if (n == 0) throw std::invalid_argument("PythonRandom::randbelow(0)");
  const int k = bit_length(n);
  uint64_t r = getrandbits(k);
  while (r >= n) r = getrandbits(k);
  return r;
}

int64_t PythonRandom::randrange(int64_t start, int64_t stop) {
  if (stop <= start) throw std::invalid_argument("PythonRandom::randrange: empty range");
  return start + static_cast<int64_t>(randbelow(static_cast<uint64_t>(stop - start)));
}

size_t PythonRandom::choices_index(size_t n) {
  return static_cast<size_t>(std::floor(random() * static_cast<double>(n)));
}

std::vector<size_t> PythonRandom::sample_indices(size_t n, size_t k) {
  if (k > n) throw std::invalid_argument("PythonRandom::sample: sample larger than population");
  std::vector<size_t> out(k);
  if (n <= sample_set_size(k)) {
    std::vector<size_t> pool(n);
    for (size_t i = 0; i < n; ++i) pool[i] = i;
    for (size_t i = 0; i < k; ++i) {
      const size_t j = static_cast<size_t>(randbelow(n - i));
      out[i] = pool[j];
      pool[j] = pool[n - i - 1];
    }
    return out;
  }
  std::unordered_set<size_t> selected;
  for (size_t i = 0; i < k; ++i) {
    size_t j = static_cast<size_t>(randbelow(n));
    while (selected.count(j)) j = static_cast<size_t>(randbelow(n));
    selected.insert(j);
    out[i] = j;
  }
  return out;
}

std::string python_uuid4(PythonRandom& random) {
  const auto w = random.getrandbits_words(128);
  uint64_t hi = (uint64_t{w[3]} << 32) | w[2];
  uint64_t lo = (uint64_t{w[1]} << 32) | w[0];
  hi = (hi & ~(0xfULL << 12)) | (0x4ULL << 12);   // version 4
  lo = (lo & ~(0x3ULL << 62)) | (0x2ULL << 62);   // RFC 4122 variant
  char buf[37];
  std::snprintf(buf, sizeof buf, "%08llx-%04llx-%04llx-%04llx-%012llx", static_cast<unsigned long long>(hi >> 32),
                static_cast<unsigned long long>((hi >> 16) & 0xffff), static_cast<unsigned long long>(hi & 0xffff),
                static_cast<unsigned long long>(lo >> 48), static_cast<unsigned long long>(lo & 0xffffffffffffULL));
  return buf;
}

}  // namespace engram::tasks::ruler
