// Special tokens, tokenizer_config.json fields, lookups, and load errors that must name the file
// and the offending field or type.

#include <gtest/gtest.h>

#include <atomic>
#include <fstream>
#include <thread>
#include <unistd.h>

#include "tokenizer_test_util.h"

namespace engram::testing {
namespace {

using tokenizer::Tokenizer;
namespace fs = std::filesystem;

TEST(TokenizerApi, DeepSeekV3ConfigFields) {
  ENGRAM_REQUIRE_SHARED(deepseek_v3_dir() / "tokenizer_config.json");
  const auto& tok = deepseek_v3();
  EXPECT_EQ(tok.bos_id(), 0);
  EXPECT_EQ(tok.eos_id(), 1);
  EXPECT_EQ(tok.pad_id(), 1);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_FALSE(tok.add_eos());
  EXPECT_FALSE(tok.chat_template().empty());
  EXPECT_NE(tok.chat_template().find("bos_token"), std::string::npos);
  EXPECT_EQ(tok.vocab_size(), 128815);
}

TEST(TokenizerApi, DeepSeekV3SpecialTokens) {
  ENGRAM_REQUIRE_SHARED(deepseek_v3_dir() / "tokenizer.json");
  const auto& tok = deepseek_v3();
  EXPECT_EQ(tok.id_to_token(0), "<\xEF\xBD\x9C" "begin\xE2\x96\x81of\xE2\x96\x81sentence\xEF\xBD\x9C>");
  EXPECT_EQ(tok.token_to_id(tok.id_to_token(128803)), 128803);
  EXPECT_TRUE(tok.is_special(0));
  EXPECT_TRUE(tok.is_special(1));
  EXPECT_TRUE(tok.is_special(128000));  // place holders are special
  EXPECT_TRUE(tok.is_special(128805));  // <|EOT|>: special, but matched after normalization
  EXPECT_FALSE(tok.is_special(128803));  // <｜User｜> is an added token, not a special one
  EXPECT_FALSE(tok.is_special(19923));
  EXPECT_EQ(tok.id_to_token(19923), "Hello");
  EXPECT_EQ(tok.token_to_id("\xC4\xA0the"), tok.encode(" the", false).at(0));
  EXPECT_EQ(tok.id_to_token(1 << 30), "");
  EXPECT_EQ(tok.token_to_id("no such token \x01"), std::nullopt);

  // tokenizers: the ByteLevel post-processor adds nothing, so BOS is not prepended.
  EXPECT_EQ(tok.encode("Hello", true), (std::vector<int64_t>{19923}));
  EXPECT_EQ(tok.encode_with_config_specials("Hello"), (std::vector<int64_t>{0, 19923}));
  const std::vector<int64_t> chat = {0, 128803, 19923, 128804, 1};
  EXPECT_EQ(tok.decode(chat, true), "<\xEF\xBD\x9CUser\xEF\xBD\x9C>Hello<\xEF\xBD\x9C" "Assistant\xEF\xBD\x9C>");
  EXPECT_EQ(tok.encode(tok.decode(chat, false), false), chat);
}

TEST(TokenizerApi, Gpt2StyleConfigFields) {
  const auto& tok = gpt2_style();
  EXPECT_EQ(tok.bos_id(), 0);
  EXPECT_EQ(tok.eos_id(), 0);
  EXPECT_EQ(tok.pad_id(), 1);
  EXPECT_FALSE(tok.add_bos());
  EXPECT_FALSE(tok.add_eos());
  EXPECT_FALSE(tok.chat_template().empty());
  EXPECT_TRUE(tok.is_special(0));
  EXPECT_EQ(tok.encode("a<|endoftext|>b", false).at(1), 0);
  EXPECT_EQ(tok.decode(tok.encode("a<|endoftext|>b"), true), "ab");
  EXPECT_EQ(tok.encode_with_config_specials("hi"), tok.encode("hi"));
  // Loading the file path directly still finds tokenizer_config.json next to it.
  const auto by_file = Tokenizer::load((gpt2_style_dir() / "tokenizer.json").string());
  EXPECT_EQ(by_file.pad_id(), 1);
}

TEST(TokenizerApi, EmptyInput) {
  const auto& tok = gpt2_style();
  EXPECT_TRUE(tok.encode("").empty());
  EXPECT_EQ(tok.decode({}), "");
}

TEST(TokenizerApi, ConcurrentEncodesAgree) {
  const auto& tok = gpt2_style();
  const auto& texts = corpus().at("texts");
  std::vector<std::vector<int64_t>> want;
  for (const auto& t : texts) want.push_back(tok.encode_reference(t.get<std::string>()));
  std::vector<std::thread> threads;
  std::atomic<int> bad{0};
  for (int w = 0; w < 4; ++w) {
    threads.emplace_back([&, w] {
      for (int round = 0; round < 3; ++round)
        for (size_t i = w; i < texts.size(); i += 2)
          if (tok.encode(texts[i].get<std::string>()) != want[i]) ++bad;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(bad.load(), 0);
}

// ---- load errors ---------------------------------------------------------------------------

class TokenizerLoadErrors : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("engram_tok_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    base_ = read_json(gpt2_style_dir() / "tokenizer.json");
  }
  void TearDown() override { fs::remove_all(dir_); }

  void write(const std::string& name, const std::string& text) { std::ofstream(dir_ / name) << text; }

  // Loads dir_ and returns the error message (fails the test when loading succeeds).
  std::string error() {
    try {
      Tokenizer::load(dir_.string());
    } catch (const std::runtime_error& e) {
      return e.what();
    }
    ADD_FAILURE() << "load succeeded";
    return {};
  }

  // Writes the GPT-2-style file with one value replaced; the error must name the file.
  std::string error_with(const std::string& json_pointer, const nlohmann::json& value) {
    nlohmann::json j = base_;
    j[nlohmann::json::json_pointer(json_pointer)] = value;
    write("tokenizer.json", j.dump());
    const std::string e = error();
    EXPECT_NE(e.find(file().string() + ": "), std::string::npos) << e;
    return e;
  }

  fs::path file() const { return dir_ / "tokenizer.json"; }
  fs::path dir_;
  nlohmann::json base_;
};

#define EXPECT_MENTIONS(message, part) EXPECT_NE((message).find(part), std::string::npos) << (message)

TEST_F(TokenizerLoadErrors, MissingFile) {
  const std::string e = error();
  EXPECT_MENTIONS(e, file().string());
  try {
    Tokenizer::load((dir_ / "nope" / "tokenizer.json").string());
    ADD_FAILURE();
  } catch (const std::runtime_error& ex) {
    EXPECT_MENTIONS(std::string(ex.what()), "nope");
  }
}

TEST_F(TokenizerLoadErrors, BadJson) {
  write("tokenizer.json", "{\"model\": {\"type\": \"BPE\",");
  const std::string e = error();
  EXPECT_MENTIONS(e, file().string());
  EXPECT_MENTIONS(e, "invalid JSON");
}

TEST_F(TokenizerLoadErrors, UnsupportedModelTypes) {
  for (const char* type : {"WordPiece", "Unigram", "WordLevel"}) {
    const std::string e = error_with("/model/type", type);
    EXPECT_MENTIONS(e, file().string());
    EXPECT_MENTIONS(e, std::string("model.type '") + type + "' is not supported");
  }
}

TEST_F(TokenizerLoadErrors, UnsupportedPreTokenizer) {
  std::string e = error_with("/pre_tokenizer", {{"type", "Whitespace"}});
  EXPECT_MENTIONS(e, file().string());
  EXPECT_MENTIONS(e, "pre_tokenizer.type 'Whitespace' is not supported");
  e = error_with("/pre_tokenizer", {{"type", "Sequence"},
                                    {"pretokenizers", {base_["pre_tokenizer"], {{"type", "Metaspace"}}}}});
  EXPECT_MENTIONS(e, "pre_tokenizer.pretokenizers[1].type 'Metaspace' is not supported");
}

TEST_F(TokenizerLoadErrors, UnsupportedComponents) {
  EXPECT_MENTIONS(error_with("/normalizer", {{"type", "Precompiled"}}), "normalizer.type 'Precompiled'");
  EXPECT_MENTIONS(error_with("/decoder", {{"type", "CTC"}}), "decoder.type 'CTC'");
  EXPECT_MENTIONS(error_with("/post_processor", {{"type", "Foo"}}), "post_processor.type 'Foo'");
  EXPECT_MENTIONS(error_with("/model/dropout", 0.1), "model.dropout");
  EXPECT_MENTIONS(error_with("/truncation", {{"max_length", 8}}), "truncation");
  nlohmann::json split = {{"type", "Split"}, {"pattern", {{"Regex", "a"}}}, {"behavior", "Sideways"}};
  EXPECT_MENTIONS(error_with("/pre_tokenizer", split), "pre_tokenizer.behavior 'Sideways'");
}

TEST_F(TokenizerLoadErrors, BadFields) {
  EXPECT_MENTIONS(error_with("/model/merges/0", "nospace"), "model.merges[0]");
  EXPECT_MENTIONS(error_with("/model/merges/1", nlohmann::json::array({"Ġ", "not-in-vocab"})), "model.merges[1]");
  EXPECT_MENTIONS(error_with("/model/vocab", 3), "model.vocab");
  EXPECT_MENTIONS(error_with("/added_tokens/0/content", 5), "added_tokens[0].content");
  nlohmann::json split = {{"type", "Split"}, {"pattern", {{"Regex", "(open"}}}, {"behavior", "Isolated"}};
  EXPECT_MENTIONS(error_with("/pre_tokenizer", split), "pre_tokenizer.pattern.Regex");
  nlohmann::json j = base_;
  j.erase("model");
  write("tokenizer.json", j.dump());
  EXPECT_MENTIONS(error(), "model is missing");
}

TEST_F(TokenizerLoadErrors, BadConfig) {
  write("tokenizer.json", base_.dump());
  write("tokenizer_config.json", "{oops");
  std::string e = error();
  EXPECT_MENTIONS(e, (dir_ / "tokenizer_config.json").string());
  write("tokenizer_config.json", R"({"add_bos_token": "yes"})");
  e = error();
  EXPECT_MENTIONS(e, "tokenizer_config.json: add_bos_token");
}

}  // namespace
}  // namespace engram::testing
