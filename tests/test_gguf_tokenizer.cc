// The tokenizer rebuilt from the installed SmolLM2 GGUF's tokenizer.ggml.* metadata against the
// `tokenizers` package on the HF folder's tokenizer.json (fixture: scripts/gen_gguf_fixtures.py).
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "gguf_test_support.h"
#include "harness/io/gguf_header.h"
#include "harness/io/gguf_tokenizer.h"
#include "harness/io/mapped_file.h"

namespace engram {
namespace {

TEST(GgufTokenizer, SmolLM2IdsMatchTokenizersOnTheCorpus) {
  ENGRAM_REQUIRE_SMOLLM2(path);
  const auto file = io::MappedFile::map(path);
  const io::GgufHeader header = io::parse_gguf_header(file->data(), file->size(), path);
  const tokenizer::Tokenizer tok = io::load_gguf_tokenizer(header);
  const auto fixture = testing::read_json(testing::gguf_data_dir() / "smollm2_tokenizer.json");
  int texts = 0, same_as_folder = 0, folder_differs = 0;
  for (const auto& c : fixture["cases"]) {
    const std::string text = c["text"];
    const auto ids = tok.encode(text, true);
    // SmolLM2's own pre-tokenizer (Digits, then ByteLevel), which llama.cpp's "smollm" names.
    EXPECT_EQ(ids, c["smollm2_ids"].get<std::vector<int64_t>>()) << text;
    if (c["hf_folder_ids"] == c["smollm2_ids"]) {
      same_as_folder += ids == c["hf_folder_ids"].get<std::vector<int64_t>>();
    } else {
      ++folder_differs;
    }
    ++texts;
  }
  EXPECT_GE(texts, 480);
  EXPECT_EQ(same_as_folder + folder_differs, texts);
  EXPECT_EQ(folder_differs, fixture["texts_where_the_two_differ"].get<int>());
  std::cout << "[gguf tokenizer] " << texts << " texts: all equal SmolLM2's pre-tokenizer; " << same_as_folder
            << " equal the HF folder's tokenizer.json too, " << folder_differs
            << " differ there (transformers' GGUF conversion drops the Digits step)\n";

  EXPECT_EQ(tok.bos_id(), 1);
  EXPECT_EQ(tok.eos_id(), 2);
  EXPECT_EQ(tok.pad_id(), 2);
  EXPECT_FALSE(tok.add_bos());
  EXPECT_TRUE(tok.is_special(1));
  EXPECT_EQ(tok.vocab_size(), 49152);
  EXPECT_NE(tok.chat_template().find("<|im_start|>"), std::string::npos);
}

TEST(GgufTokenizer, AddBosFlagPutsBosFirst) {
  ENGRAM_REQUIRE_SMOLLM2(path);
  const auto file = io::MappedFile::map(path);
  io::GgufHeader header = io::parse_gguf_header(file->data(), file->size(), path);
  for (auto& [key, value] : header.metadata) {
    if (key == "tokenizer.ggml.add_bos_token") value.unsigned_value = 1;
  }
  const tokenizer::Tokenizer tok = io::load_gguf_tokenizer(header);
  const auto fixture = testing::read_json(testing::gguf_data_dir() / "smollm2_tokenizer.json");
  const auto& c = fixture["cases"][0];
  std::vector<int64_t> expected = {1};
  for (int64_t id : c["smollm2_ids"].get<std::vector<int64_t>>()) expected.push_back(id);
  EXPECT_TRUE(tok.add_bos());
  EXPECT_EQ(tok.encode(c["text"].get<std::string>(), true), expected);
  EXPECT_EQ(tok.encode_with_config_specials(c["text"].get<std::string>()), expected);
  EXPECT_EQ(tok.encode(c["text"].get<std::string>(), false), c["smollm2_ids"].get<std::vector<int64_t>>());
}

TEST(GgufTokenizer, UnsupportedModelAndPreTokenizerAreNamed) {
  ENGRAM_REQUIRE_SMOLLM2(path);
  const auto file = io::MappedFile::map(path);
  io::GgufHeader header = io::parse_gguf_header(file->data(), file->size(), path);
  try {
    (void)io::gguf_pre_tokenizer("falcon", header);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("pre-tokenizer 'falcon'"), std::string::npos) << e.what();
  }
  for (auto& [key, value] : header.metadata) {
    if (key == "tokenizer.ggml.model") value.string_value = "llama";
  }
  try {
    (void)io::gguf_tokenizer_json(header);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("'tokenizer.ggml.model' is 'llama'"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace engram
