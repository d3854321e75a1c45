#include "tasks/ruler/mersenne_twister.h"

#include <algorithm>

namespace engram::tasks::ruler {
namespace {

constexpr int kM = 397;
constexpr uint32_t kMatrixA = 0x9908b0dfU;
constexpr uint32_t kUpperMask = 0x80000000U;
constexpr uint32_t kLowerMask = 0x7fffffffU;

}  // namespace

MersenneTwister MersenneTwister::from_genrand(uint32_t seed) {
  MersenneTwister mt;
  mt.init_genrand(seed);
  return mt;
}

MersenneTwister MersenneTwister::from_array(const std::vector<uint32_t>& key) {
  MersenneTwister mt;
  mt.init_genrand(19650218U);
  auto& s = mt.state_;
  const size_t length = std::max<size_t>(key.size(), 1);
  int i = 1;
  size_t j = 0;
  for (size_t k = std::max<size_t>(kN, length); k > 0; --k) {
    const uint32_t word = key.empty() ? 0U : key[j];
    s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1664525U)) + word + static_cast<uint32_t>(j);
    ++i;
    ++j;
    if (i >= kN) {
      s[0] = s[kN - 1];
      i = 1;
    }
    if (j >= length) j = 0;
  }
  for (int k = kN - 1; k > 0; --k) {
    s[i] = (s[i] ^ ((s[i - 1] ^ (s[i - 1] >> 30)) * 1566083941U)) - static_cast<uint32_t>(i);
    ++i;
    if (i >= kN) {
      s[0] = s[kN - 1];
      i = 1;
    }
  }
  s[0] = 0x80000000U;  // the state is then never all zero
  return mt;
}

void MersenneTwister::init_genrand(uint32_t seed) {
  state_[0] = seed;
  for (int i = 1; i < kN; ++i) {
    state_[i] = 1812433253U * (state_[i - 1] ^ (state_[i - 1] >> 30)) + static_cast<uint32_t>(i);
  }
  index_ = kN;
}

void MersenneTwister::twist() {
  for (int k = 0; k < kN; ++k) {
    const uint32_t y = (state_[k] & kUpperMask) | (state_[(k + 1) % kN] & kLowerMask);
    state_[k] = state_[(k + kM) % kN] ^ (y >> 1) ^ ((y & 1U) ? kMatrixA : 0U);
  }
  index_ = 0;
}

uint32_t MersenneTwister::next_u32() {
  if (index_ >= kN) twist();
  uint32_t y = state_[index_++];
  y ^= (y >> 11);
  y ^= (y << 7) & 0x9d2c5680U;
  y ^= (y << 15) & 0xefc60000U;
  y ^= (y >> 18);
  return y;
}

}  // namespace engram::tasks::ruler
