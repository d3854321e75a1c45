// Hashing against the reference's golden case: compressed ids, pre-modulo mixes and hash ids, bit for
// bit, on the "main" input and on the "edge" input whose products overflow int64. Every path is
// checked: the scalar loop, the AVX-512 loop, several threads, tensor ops, and CUDA when present.
#include <algorithm>

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "engram/engram_config.h"
#include "engram/hash_tensor.h"
#include "engram/ngram_hash_simd.h"
#include "harness/io/safetensors.h"
#include "test_support.h"

namespace engram {
namespace {

class GoldenHash : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto dir = testing::golden_dir();
    ENGRAM_REQUIRE_SHARED(dir / "hash_case0.safetensors");
    config_ = load_engram_config((dir / "hash_case0.json").string());
    tensors_ = io::read_safetensors((dir / "hash_case0.safetensors").string());
    const at::Tensor table = tensors_.get("lookup_table").contiguous();
    mapping_ = std::make_shared<NgramHashMapping>(
        config_.hash, std::vector<int64_t>(table.data_ptr<int64_t>(), table.data_ptr<int64_t>() + table.numel()));
  }

  at::Tensor get(const std::string& name) const { return tensors_.get(name); }

  EngramConfig config_;
  io::SafetensorsFile tensors_;
  std::shared_ptr<NgramHashMapping> mapping_;
};

TEST_F(GoldenHash, ConfigDerivedValuesMatch) {
  EXPECT_EQ(mapping_->tokenizer_vocab_size(), 699);
  EXPECT_EQ(mapping_->pad_id_compressed(), 0);
  EXPECT_EQ(mapping_->half_bound(), 6597547951970512);
  const auto json = testing::read_json(testing::golden_dir() / "hash_case0.json");
  for (const auto& layer : json["layers"]) {
    const auto& params = mapping_->layer(layer["layer_id"].get<int64_t>());
    EXPECT_EQ(params.multipliers, layer["multipliers"].get<std::vector<int64_t>>());
    EXPECT_EQ(params.table_sizes, layer["list_of_N"].get<std::vector<int64_t>>());
  }
}

TEST_F(GoldenHash, CompressionMixesAndHashesAreBitExact) {
  for (const std::string tag : {"main.", "edge."}) {
    const at::Tensor raw = get(tag + "input_ids");
    const at::Tensor compressed = compress_ids(*mapping_, raw);
    ASSERT_TRUE(at::equal(compressed, get(tag + "compressed_ids"))) << tag;
    for (int64_t layer_id : config_.hash.layer_ids) {
      const std::string layer = "layer_" + std::to_string(layer_id);
      for (int n = 2; n <= config_.hash.max_ngram_size; ++n) {
        at::Tensor mix = at::empty_like(compressed);
        mapping_->mix_layer(compressed.data_ptr<int64_t>(), raw.size(0), raw.size(1), layer_id, n,
                            mix.data_ptr<int64_t>());
        EXPECT_TRUE(at::equal(mix, get(tag + "mix." + layer + ".ngram_" + std::to_string(n)))) << tag << layer << n;
      }
      const at::Tensor expected = get(tag + "hash_ids." + layer);
      EXPECT_TRUE(at::equal(hash_ngrams(*mapping_, raw, layer_id), expected)) << tag << layer << " default path";
      EXPECT_TRUE(at::equal(hash_ngrams_tensor_ops(*mapping_, raw, layer_id), expected)) << tag << layer << " tensor ops";
      mapping_->set_vector_path_enabled(false);
      EXPECT_TRUE(at::equal(hash_ngrams(*mapping_, raw, layer_id), expected)) << tag << layer << " scalar path";
      mapping_->set_vector_path_enabled(true);
      if (at::hasCUDA()) {
        EXPECT_TRUE(at::equal(hash_ngrams(*mapping_, raw.cuda(), layer_id).cpu(), expected)) << tag << layer << " cuda";
        EXPECT_TRUE(at::equal(hash_ngrams_tensor_ops(*mapping_, raw.cuda(), layer_id).cpu(), expected))
            << tag << layer << " cuda tensor ops";
      }
    }
  }
}

TEST_F(GoldenHash, EdgeInputReallyOverflows) {
  // Guards the test itself: the edge rows must contain ids whose products wrap, or the check above
  // would not cover the wrapping arithmetic.
  const at::Tensor raw = get("edge.input_ids");
  EXPECT_LT(raw.min().item<int64_t>(), -(int64_t{1} << 62));
}

// The reference's default table sizes ([646400, 646400], 3-grams, 8 heads, layers 1 and 15): primes
// above 4096, which the AVX-512 path serves (the shared golden cases are all below it). Expected ids
// come from the public reference demo (scripts/gen_hash_golden_default_tables.py).
class GoldenHashDefaultTables : public ::testing::Test {
 protected:
  void SetUp() override {
    golden_ = testing::read_json(testing::source_dir() / "tests" / "data" / "hash_golden_default_tables.json");
    const auto& c = golden_["config"];
    NgramHashConfig config;
    config.engram_vocab_size = c["engram_vocab_size"].get<std::vector<int64_t>>();
    config.max_ngram_size = c["max_ngram_size"].get<int>();
    config.n_head_per_ngram = c["n_head_per_ngram"].get<int>();
    config.layer_ids = c["layer_ids"].get<std::vector<int64_t>>();
    config.pad_id = c["pad_id"].get<int64_t>();
    config.seed = c["seed"].get<uint64_t>();
    const auto& l = golden_["lookup"];
    std::vector<int64_t> lookup(l["raw_vocab"].get<std::size_t>());
    for (std::size_t i = 0; i < lookup.size(); ++i) {
      lookup[i] = static_cast<int64_t>(i) * l["multiplier"].get<int64_t>() % l["modulus"].get<int64_t>();
    }
    mapping_ = std::make_shared<NgramHashMapping>(config, lookup);
    const auto rows = golden_["input_ids"].get<std::vector<std::vector<int64_t>>>();
    ids_ = at::empty({static_cast<int64_t>(rows.size()), static_cast<int64_t>(rows[0].size())}, at::kLong);
    for (std::size_t b = 0; b < rows.size(); ++b) {
      std::copy(rows[b].begin(), rows[b].end(), ids_[static_cast<int64_t>(b)].data_ptr<int64_t>());
    }
  }

  at::Tensor expected(const nlohmann::json& layer) const {
    const auto values = layer["hash_ids"].get<std::vector<std::vector<std::vector<int64_t>>>>();
    at::Tensor out = at::empty({ids_.size(0), ids_.size(1), mapping_->config().heads_per_layer()}, at::kLong);
    auto a = out.accessor<int64_t, 3>();
    for (int64_t b = 0; b < out.size(0); ++b)
      for (int64_t t = 0; t < out.size(1); ++t)
        for (int64_t h = 0; h < out.size(2); ++h) a[b][t][h] = values[b][t][h];
    return out;
  }

  nlohmann::json golden_;
  std::shared_ptr<NgramHashMapping> mapping_;
  at::Tensor ids_;
};

TEST_F(GoldenHashDefaultTables, ConfigDerivedValuesMatchTheReference) {
  EXPECT_EQ(mapping_->tokenizer_vocab_size(), golden_["tokenizer_vocab_size"].get<int64_t>());
  EXPECT_EQ(mapping_->pad_id_compressed(), golden_["pad_id_compressed"].get<int64_t>());
  for (const auto& layer : golden_["layers"]) {
    const LayerHashParams& params = mapping_->layer(layer["layer_id"].get<int64_t>());
    EXPECT_EQ(params.multipliers, layer["multipliers"].get<std::vector<int64_t>>());
    EXPECT_EQ(params.table_sizes, layer["list_of_N"].get<std::vector<int64_t>>());
    EXPECT_GT(*std::min_element(params.table_sizes.begin(), params.table_sizes.end()), 4096);
  }
}

TEST_F(GoldenHashDefaultTables, VectorAndScalarPathsAreBitExact) {
  for (const auto& layer : golden_["layers"]) {
    const int64_t layer_id = layer["layer_id"].get<int64_t>();
    const at::Tensor want = expected(layer);
    if (simd::cpu_has_avx512()) {
      ASSERT_TRUE(mapping_->vector_path_active(layer_id)) << "layer " << layer_id << " did not take the AVX-512 path";
      EXPECT_TRUE(at::equal(hash_ngrams(*mapping_, ids_, layer_id, 1), want)) << "AVX-512, layer " << layer_id;
      EXPECT_TRUE(at::equal(hash_ngrams(*mapping_, ids_, layer_id, 2), want)) << "AVX-512 threaded, layer " << layer_id;
    }
    mapping_->set_vector_path_enabled(false);
    ASSERT_FALSE(mapping_->vector_path_active(layer_id));
    EXPECT_TRUE(at::equal(hash_ngrams(*mapping_, ids_, layer_id, 1), want)) << "scalar, layer " << layer_id;
    mapping_->set_vector_path_enabled(true);
    EXPECT_TRUE(at::equal(hash_ngrams_tensor_ops(*mapping_, ids_, layer_id), want)) << "tensor ops, layer " << layer_id;
    if (at::hasCUDA()) {
      EXPECT_TRUE(at::equal(hash_ngrams(*mapping_, ids_.cuda(), layer_id).cpu(), want)) << "cuda, layer " << layer_id;
    }
  }
  if (!simd::cpu_has_avx512()) GTEST_SKIP() << "this CPU has no AVX-512: only the scalar and tensor paths were checked";
}

TEST_F(GoldenHash, SmallPrimesNeverTakeTheVectorPath) {
  // Why the default-table cases exist: these tables are below the vector path's 4096 floor.
  for (int64_t layer_id : config_.hash.layer_ids) EXPECT_FALSE(mapping_->vector_path_active(layer_id));
}

// Large inputs exercise the multi-threaded split (chunk boundaries inside rows) and all three paths
// against each other on table sizes that take the vector path.
TEST(HashPaths, ScalarVectorThreadedAndTensorOpsAgree) {
  NgramHashConfig config;
  config.engram_vocab_size = {2262400, 2262400, 70000};
  config.max_ngram_size = 4;
  config.n_head_per_ngram = 11;  // not a multiple of the vector width
  config.layer_ids = {2, 15};
  std::vector<int64_t> lookup(129280);
  for (int64_t i = 0; i < 129280; ++i) lookup[i] = (i * 7919) % 98989;
  NgramHashMapping mapping(config, lookup);
  at::Tensor ids = at::randint(-5, 129280, {3, 40000}, at::kLong);
  ids.index_put_({0, 5}, std::numeric_limits<int64_t>::min());
  for (int64_t layer : config.layer_ids) {
    const at::Tensor reference = hash_ngrams_tensor_ops(mapping, ids, layer);
    EXPECT_TRUE(at::equal(hash_ngrams(mapping, ids, layer, 1), reference));
    EXPECT_TRUE(at::equal(hash_ngrams(mapping, ids, layer, 3), reference));
    mapping.set_vector_path_enabled(false);
    EXPECT_TRUE(at::equal(hash_ngrams(mapping, ids, layer, 2), reference));
    mapping.set_vector_path_enabled(true);
  }
}

TEST(HashPaths, RejectsIdsPastTheVocabulary) {
  NgramHashConfig config;
  config.engram_vocab_size = {211, 307};
  config.layer_ids = {0};
  config.n_head_per_ngram = 2;
  NgramHashMapping mapping(config, std::vector<int64_t>{0, 1, 0, 2});
  const at::Tensor ids = at::tensor(std::vector<int64_t>{0, 1, 4}, at::kLong).view({1, 3});
  EXPECT_THROW(hash_ngrams(mapping, ids, 0), std::out_of_range);
  EXPECT_THROW(compress_ids(mapping, ids), std::out_of_range);
  EXPECT_THROW(hash_ngrams(mapping, ids.view({3}), 0), std::invalid_argument);
  EXPECT_THROW(mapping.layer(1), std::invalid_argument);
}

}  // namespace
}  // namespace engram
