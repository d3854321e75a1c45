#include <gtest/gtest.h>

#include <limits>
#include <random>

#include "engram/ngram_hash.h"

namespace engram {
namespace {

int64_t reference_floor_mod(int64_t x, int64_t p) {
  __int128 r = static_cast<__int128>(x) % p;
  if (r < 0) r += p;
  return static_cast<int64_t>(r);
}

TEST(FloorModulus, MatchesExactArithmeticFromTinyToHugeDivisors) {
  std::mt19937_64 generator(7);
  const int64_t lo = std::numeric_limits<int64_t>::min(), hi = std::numeric_limits<int64_t>::max();
  std::vector<int64_t> xs = {0, 1, -1, lo, hi, lo + 1, hi - 1, int64_t{1} << 62, -(int64_t{1} << 62)};
  for (int i = 0; i < 20000; ++i) xs.push_back(static_cast<int64_t>(generator()));
  const std::vector<int64_t> divisors = {1, 2, 3, 211, 4093, 2262409, 7240183, (int64_t{1} << 32) + 15,
                                         (int64_t{1} << 52) - 1, hi - 24, hi};
  for (int64_t p : divisors) {
    const FloorModulus mod(static_cast<uint64_t>(p));
    for (int64_t x : xs) ASSERT_EQ(mod(x), reference_floor_mod(x, p)) << x << " mod " << p;
  }
}

// Table sizes at both ends of the vector path's validity range, checked against the scalar loop on
// ids that make every product wrap.
TEST(HashPaths, VectorPathHoldsAtItsRangeLimits) {
  NgramHashConfig config;
  config.engram_vocab_size = {4096, (int64_t{1} << 51) + 3};
  config.max_ngram_size = 3;
  config.n_head_per_ngram = 9;
  config.layer_ids = {0};
  NgramHashMapping mapping(config, std::vector<int64_t>{0, 1, 2, 3});
  std::mt19937_64 generator(11);
  std::vector<int64_t> ids(5000);
  for (auto& id : ids) id = -static_cast<int64_t>(generator() >> 1);  // negative ids pass through compression
  ASSERT_EQ(mapping.config().heads_per_layer(), 18);
  ASSERT_TRUE(mapping.vector_path_active(0) || !__builtin_cpu_supports("avx512dq"));
  std::vector<int64_t> vector_out(ids.size() * 18), scalar_out(ids.size() * 18);
  mapping.hash_layer(ids.data(), 5, 1000, 0, vector_out.data());
  mapping.set_vector_path_enabled(false);
  mapping.hash_layer(ids.data(), 5, 1000, 0, scalar_out.data());
  EXPECT_EQ(vector_out, scalar_out);
}

}  // namespace
}  // namespace engram
