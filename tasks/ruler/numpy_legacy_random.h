#pragma once
// numpy's legacy global RandomState (np.random.seed(int); np.random.randint(low, high)), as RULER's
// variable tracking draws its chain values from it. Only randint over ranges narrower than 2^32 is
// needed; numpy draws those as masked 32-bit rejection. Checked against numpy's own output in
// tests/data/python_random_cases.json.

#include <cstdint>

#include "tasks/ruler/mersenne_twister.h"

namespace engram::tasks::ruler {

class NumpyLegacyRandom {
 public:
  explicit NumpyLegacyRandom(uint32_t seed) : mt_(MersenneTwister::from_genrand(seed)) {}

  // np.random.randint(low, high): uniform in [low, high); high - low - 1 must fit in 32 bits.
  int64_t randint(int64_t low, int64_t high);

 private:
  MersenneTwister mt_;
};

}  // namespace engram::tasks::ruler
