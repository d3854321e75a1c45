#include <gtest/gtest.h>

#include "engram/engram_config.h"
#include "test_support.h"

namespace engram {
namespace {

EngramConfig parse(const std::string& text) { return engram_config_from_json_text(text, "cfg.json"); }

void expect_rejected(const std::string& text, const std::string& field) {
  try {
    parse(text);
    ADD_FAILURE() << "accepted: " << text;
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("cfg.json"), std::string::npos) << message;
    EXPECT_NE(message.find(field), std::string::npos) << "expected the field '" << field << "' in: " << message;
  }
}

TEST(EngramConfig, ReadsGoldenCaseLayout) {
  const auto path = testing::golden_dir() / "forward_hc4.json";
  ENGRAM_REQUIRE_SHARED(path);
  const EngramConfig config = load_engram_config(path.string());
  EXPECT_EQ(config.hash.engram_vocab_size, (std::vector<int64_t>{211, 307}));
  EXPECT_EQ(config.hash.layer_ids, (std::vector<int64_t>{0, 2}));
  EXPECT_EQ(config.hash.pad_id, 2);
  EXPECT_EQ(config.hidden_size, 64);
  EXPECT_EQ(config.hc_mult, 4);
  EXPECT_EQ(config.n_embed_per_ngram, 32);
  EXPECT_EQ(config.head_dim(), 8);
  EXPECT_EQ(config.engram_hidden_size(), 64);
  EXPECT_EQ(config.conv_dilation(), 3);
  EXPECT_EQ(config.layer_id, 2);
  EXPECT_EQ(config.lookup_table.size(), 1000u);
  EXPECT_EQ(config.tokenizer_vocab_size, 699);
}

TEST(EngramConfig, FlatLayoutWithReferenceDefaults) {
  const EngramConfig config = parse(R"({"max_ngram_size": 4, "engram_vocab_size": [10, 20, 30], "hidden_size": 32})");
  EXPECT_EQ(config.hash.max_ngram_size, 4);
  EXPECT_EQ(config.hidden_size, 32);
  EXPECT_EQ(config.hash.n_head_per_ngram, 8);
  EXPECT_EQ(config.kernel_size, 4);
}

TEST(EngramConfig, BadValuesNameTheirField) {
  expect_rejected(R"({"max_ngram_size": 1, "engram_vocab_size": []})", "max_ngram_size");
  expect_rejected(R"({"engram_vocab_size": [100, 0]})", "engram_vocab_size[1]");
  expect_rejected(R"({"engram_vocab_size": [100, -5]})", "engram_vocab_size[1]");
  expect_rejected(R"({"engram_vocab_size": [100]})", "engram_vocab_size");
  expect_rejected(R"({"n_head_per_ngram": 0})", "n_head_per_ngram");
  expect_rejected(R"({"n_embed_per_ngram": 100, "n_head_per_ngram": 8})", "n_embed_per_ngram");
  expect_rejected(R"({"layer_ids": [1, 15, 1]})", "layer_ids");
  expect_rejected(R"({"layer_ids": []})", "layer_ids");
  expect_rejected(R"({"backbone": {"hidden_size": 0}})", "hidden_size");
  expect_rejected(R"({"backbone": {"hc_mult": -1}})", "hc_mult");
  expect_rejected(R"({"kernel_size": 0})", "kernel_size");
  expect_rejected(R"({"seed": -1})", "seed");
  expect_rejected(R"({"max_ngram_size": "3"})", "max_ngram_size");
  expect_rejected(R"({"hash": {"max_ngram_size": 2.5}})", "max_ngram_size");
  expect_rejected(R"({"layer_id": 7})", "layer_id");
  expect_rejected(R"([1, 2])", "JSON object");
  expect_rejected(R"({"max_ngram_size": )", "not valid JSON");
}

}  // namespace
}  // namespace engram
