#include <gtest/gtest.h>

#include "engram/ngram_hash.h"
#include "engram/numpy_rng.h"
#include "test_support.h"

namespace engram {
namespace {

using testing::golden_dir;
using testing::read_json;

TEST(NumpyRng, SeedSequenceAndRawDrawsMatchNumpy) {
  const auto data = read_json(testing::source_dir() / "tests/data/numpy_rng_cases.json");
  ASSERT_FALSE(data["raw"].empty());
  for (const auto& item : data["raw"]) {
    const uint64_t seed = item["seed"].get<uint64_t>();
    EXPECT_EQ(seed_sequence_state(seed, 8), item["seed_sequence_state_u32"].get<std::vector<uint32_t>>())
        << "seed " << seed;
    Pcg64 generator(seed);
    for (const auto& expected : item["random_raw"]) {
      EXPECT_EQ(generator.next64(), std::stoull(expected.get<std::string>())) << "seed " << seed;
    }
  }
}

TEST(NumpyRng, BoundedIntegersMatchNumpyOnBothPaths) {
  const auto data = read_json(testing::source_dir() / "tests/data/numpy_rng_cases.json");
  int cases = 0, narrow = 0;
  for (const auto& item : data["cases"]) {
    const uint64_t seed = item["seed"].get<uint64_t>();
    const int64_t low = item["low"].get<int64_t>(), high = item["high"].get<int64_t>();
    const auto expected = item["values"].get<std::vector<int64_t>>();
    EXPECT_EQ(default_rng_integers(seed, low, high, expected.size()), expected)
        << "seed " << seed << " range [" << low << ", " << high << ")";
    ++cases;
    if (static_cast<uint64_t>(high - low - 1) <= 0xFFFFFFFFull) ++narrow;
  }
  EXPECT_GE(cases, 100);
  EXPECT_GE(narrow, 20) << "the 32-bit Lemire path needs coverage too";
}

TEST(NumpyRng, RejectsEmptyRange) { EXPECT_THROW(default_rng_integers(0, 5, 5, 1), std::invalid_argument); }

TEST(GoldenMultipliers, AllCasesAndLayersMatchReference) {
  const auto path = golden_dir() / "multipliers.json";
  ENGRAM_REQUIRE_SHARED(path);
  const auto data = read_json(path);
  int checked = 0;
  for (const auto& c : data["cases"]) {
    const uint64_t seed = c["seed"].get<uint64_t>();
    const int64_t vocab = c["tokenizer_vocab_size"].get<int64_t>();
    const int max_n = c["max_ngram_size"].get<int>();
    for (const auto& layer : c["layers"]) {
      const int64_t layer_id = layer["layer_id"].get<int64_t>();
      EXPECT_EQ(layer_multipliers(seed, layer_id, vocab, max_n), layer["multipliers"].get<std::vector<int64_t>>())
          << "seed " << seed << " vocab " << vocab << " max_ngram " << max_n << " layer " << layer_id;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 18 * 32);
}

}  // namespace
}  // namespace engram
