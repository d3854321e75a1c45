#include "tasks/ruler/numpy_legacy_random.h"

#include <stdexcept>

namespace engram::tasks::ruler {

int64_t NumpyLegacyRandom::randint(int64_t low, int64_t high) {
  if (high <= low) throw std::invalid_argument("NumpyLegacyRandom::randint: empty range");
  const uint64_t range = static_cast<uint64_t>(high - low - 1);  // numpy's inclusive `rng`
  if (range == 0) return low;
  if (range > 0xffffffffULL) throw std::invalid_argument("NumpyLegacyRandom::randint: range over 32 bits");
  uint32_t mask = static_cast<uint32_t>(range);
  mask |= mask >> 1;
  mask |= mask >> 2;
  mask |= mask >> 4;
  mask |= mask >> 8;
  mask |= mask >> 16;
  uint32_t value = mt_.next_u32() & mask;
  while (value > range) value = mt_.next_u32() & mask;
  return low + static_cast<int64_t>(value);
}

}  // namespace engram::tasks::ruler
