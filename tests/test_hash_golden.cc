// Hashing against the reference's golden case: compressed ids, pre-modulo mixes and hash ids, bit for
// bit, on the "main" input and on the "edge" input whose products overflow int64. Every path is
// checked: the scalar loop, the AVX-512 loop, several threads, tensor ops, and CUDA when present.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include "engram/engram_config.h"
#include "engram/hash_tensor.h"
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
