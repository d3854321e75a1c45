#include <gtest/gtest.h>

#include <numeric>
#include <set>

#include "engram/ngram_hash.h"
#include "engram/primes.h"
#include "test_support.h"

namespace engram {
namespace {

TEST(Primes, MillerRabinAgreesWithSieve) {
  constexpr int kLimit = 200000;
  std::vector<bool> composite(kLimit, false);
  for (int i = 2; i * i < kLimit; ++i) {
    if (!composite[i]) {
      for (int j = i * i; j < kLimit; j += i) composite[j] = true;
    }
  }
  for (int n = 0; n < kLimit; ++n) ASSERT_EQ(is_prime(n), n >= 2 && !composite[n]) << n;
  EXPECT_TRUE(is_prime(18446744073709551557ull));  // largest 64-bit prime
  EXPECT_FALSE(is_prime(3825123056546413051ull));  // strong pseudoprime to bases 2..23
}

TEST(GoldenPrimes, TableSizesOffsetsAndRowCountsMatchReference) {
  const auto path = testing::golden_dir() / "primes.json";
  ENGRAM_REQUIRE_SHARED(path);
  const auto data = testing::read_json(path);
  ASSERT_EQ(data["configs"].size(), 3u);
  for (const auto& config : data["configs"]) {
    NgramHashConfig hash;
    hash.engram_vocab_size = config["engram_vocab_size"].get<std::vector<int64_t>>();
    hash.max_ngram_size = config["max_ngram_size"].get<int>();
    hash.n_head_per_ngram = config["n_head_per_ngram"].get<int>();
    hash.layer_ids = config["layer_ids"].get<std::vector<int64_t>>();
    hash.pad_id = 0;
    const NgramHashMapping mapping(hash, std::vector<int64_t>(100, 0));
    for (const auto& expected : config["layers"]) {
      const auto& layer = mapping.layer(expected["layer_id"].get<int64_t>());
      const std::string where = config["name"].get<std::string>() + " layer " + expected["layer_id"].dump();
      EXPECT_EQ(layer.primes, expected["primes_per_ngram"].get<std::vector<std::vector<int64_t>>>()) << where;
      EXPECT_EQ(layer.table_sizes, expected["list_of_N"].get<std::vector<int64_t>>()) << where;
      EXPECT_EQ(layer.row_offsets, expected["embedding_offsets"].get<std::vector<int64_t>>()) << where;
      EXPECT_EQ(layer.total_rows(), expected["total_N"].get<int64_t>()) << where;
    }
  }
}

TEST(Primes, EveryTableGetsADistinctPrimeAtOrAboveItsBase) {
  const auto primes = engram_table_primes({2262400, 2262400}, 8, 2);
  std::set<int64_t> seen;
  for (const auto& layer : primes) {
    for (const auto& order : layer) {
      for (int64_t p : order) {
        EXPECT_TRUE(is_prime(p));
        EXPECT_GE(p, 2262400);
        EXPECT_TRUE(seen.insert(p).second) << p << " used twice";
      }
    }
  }
  EXPECT_EQ(seen.size(), 32u);
  // The paper notes' Engram-27B sizes (layer A 2-gram, layer B 3-gram).
  EXPECT_EQ(primes[0][0], (std::vector<int64_t>{2262409, 2262413, 2262437, 2262443, 2262451, 2262457, 2262461, 2262467}));
  EXPECT_EQ(primes[1][1], (std::vector<int64_t>{2262811, 2262817, 2262823, 2262833, 2262847, 2262851, 2262857, 2262859}));
  const auto forty = engram_table_primes({7239680, 7239680}, 8, 2);
  EXPECT_EQ(forty[1][1].back(), 7240183);
}

}  // namespace
}  // namespace engram
