#pragma once
// MT19937 (Matsumoto & Nishimura) with both reference seedings, as CPython's `random` and numpy's
// legacy RandomState use them: init_genrand (numpy's np.random.seed(int)) and init_by_array
// (CPython's random.seed(int), keyed by the integer's 32-bit words). The state is written out rather
// than taken from std::mt19937, whose seed_seq seeding is neither of these.

#include <array>
#include <cstdint>
#include <vector>

namespace engram::tasks::ruler {

class MersenneTwister {
 public:
  static MersenneTwister from_genrand(uint32_t seed);
  static MersenneTwister from_array(const std::vector<uint32_t>& key);

  uint32_t next_u32();

 private:
  MersenneTwister() = default;
  void init_genrand(uint32_t seed);
  void twist();

  static constexpr int kN = 624;
  std::array<uint32_t, kN> state_{};
  int index_ = kN;
};

}  // namespace engram::tasks::ruler
