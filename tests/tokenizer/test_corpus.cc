// The corpus, id for id and byte for byte against what the Python `tokenizers` package produced
// (tests/data/tokenizer/cases_*.json, written by scripts/gen_tokenizer_cases.py).

#include <gtest/gtest.h>

#include <set>

#include "tokenizer_test_util.h"

namespace engram::testing {
namespace {

using tokenizer::Tokenizer;

// Checks every case of a cases_*.json file: encode both ways, decode both ways.
void check_corpus(const Tokenizer& tok, const nlohmann::json& cases, const nlohmann::json& texts, bool reference_path) {
  MismatchLog log;
  size_t checked = 0;
  for (const auto& c : cases) {
    const std::string text = texts.at(c.at("i").get<size_t>()).get<std::string>();
    const std::vector<int64_t> want = ids_of(c.at("ids"));
    const std::vector<int64_t> want_plain = c.contains("ids_no_special") ? ids_of(c["ids_no_special"]) : want;
    const std::string want_decode = c.at("decode").get<std::string>();
    const std::string want_skip = c.value("decode_skip_special", want_decode);

    const auto got = reference_path ? tok.encode_reference(text, true) : tok.encode(text, true);
    const auto got_plain = reference_path ? tok.encode_reference(text, false) : tok.encode(text, false);
    const std::string where = "text #" + std::to_string(c["i"].get<size_t>()) + " " + escaped(text);
    if (got != want) log.add(where + "\n    add_special_tokens=true  HF " + ids_text(want) + "\n    C++ " + ids_text(got));
    if (got_plain != want_plain)
      log.add(where + "\n    add_special_tokens=false HF " + ids_text(want_plain) + "\n    C++ " + ids_text(got_plain));
    const std::string dec = tok.decode(want, false), dec_skip = tok.decode(want, true);
    if (dec != want_decode) log.add(where + "\n    decode HF " + escaped(want_decode) + "\n    C++ " + escaped(dec));
    if (dec_skip != want_skip)
      log.add(where + "\n    decode(skip_special) HF " + escaped(want_skip) + "\n    C++ " + escaped(dec_skip));
    ++checked;
  }
  EXPECT_GT(checked, 0u);
  EXPECT_EQ(log.count(), 0u) << log.report();
}

void check_decode_cases(const Tokenizer& tok, const nlohmann::json& cases) {
  MismatchLog log;
  for (const auto& c : cases) {
    const auto ids = ids_of(c.at("ids"));
    const std::string want = c.at("decode").get<std::string>();
    const std::string want_skip = c.value("decode_skip_special", want);
    const std::string got = tok.decode(ids, false), got_skip = tok.decode(ids, true);
    if (got != want) log.add("ids " + ids_text(ids) + "\n    HF  " + escaped(want) + "\n    C++ " + escaped(got));
    if (got_skip != want_skip)
      log.add("ids " + ids_text(ids) + " (skip special)\n    HF  " + escaped(want_skip) + "\n    C++ " + escaped(got_skip));
  }
  EXPECT_GE(cases.size(), 40u);
  EXPECT_EQ(log.count(), 0u) << log.report();
}

TEST(TokenizerCorpus, CorpusIsLargeAndCoversItsGroups) {
  const auto& c = corpus();
  EXPECT_GE(c.at("texts").size(), 300u);
  std::set<std::string> groups;
  for (const auto& g : c.at("groups")) groups.insert(g.get<std::string>());
  for (const char* g : {"prose", "accents", "cjk", "emoji", "digits", "whitespace", "code", "other_scripts",
                        "special_in_text", "leading_space", "long", "random"})
    EXPECT_TRUE(groups.count(g)) << g;
}

TEST(TokenizerCorpus, Gpt2StyleMatchesHuggingFace) {
  const auto cases = read_json(tokenizer_data_dir() / "cases_gpt2_style.json");
  EXPECT_EQ(gpt2_style().vocab_size(), cases.at("vocab_size").get<int64_t>());
  check_corpus(gpt2_style(), cases.at("cases"), corpus().at("texts"), false);
}

TEST(TokenizerCorpus, Gpt2StyleReferencePathMatchesHuggingFace) {
  const auto cases = read_json(tokenizer_data_dir() / "cases_gpt2_style.json");
  check_corpus(gpt2_style(), cases.at("cases"), corpus().at("texts"), true);
}

TEST(TokenizerCorpus, Gpt2StyleDecodeRobustness) {
  const auto cases = read_json(tokenizer_data_dir() / "cases_gpt2_style.json");
  check_decode_cases(gpt2_style(), cases.at("decode_cases"));
}

TEST(TokenizerCorpus, DeepSeekV3MatchesHuggingFace) {
  ENGRAM_REQUIRE_SHARED(deepseek_v3_dir() / "tokenizer.json");
  const auto cases = read_json(tokenizer_data_dir() / "cases_deepseek_v3.json");
  EXPECT_EQ(deepseek_v3().vocab_size(), cases.at("vocab_size").get<int64_t>());
  check_corpus(deepseek_v3(), cases.at("cases"), corpus().at("texts"), false);
}

// The same corpus through ICU for every regex and without the word cache: the hand-written
// matchers and the cache must not change a single id.
TEST(TokenizerCorpus, DeepSeekV3ReferencePathMatchesHuggingFace) {
  ENGRAM_REQUIRE_SHARED(deepseek_v3_dir() / "tokenizer.json");
  const auto cases = read_json(tokenizer_data_dir() / "cases_deepseek_v3.json");
  check_corpus(deepseek_v3(), cases.at("cases"), corpus().at("texts"), true);
}

TEST(TokenizerCorpus, DeepSeekV3DecodeRobustness) {
  ENGRAM_REQUIRE_SHARED(deepseek_v3_dir() / "tokenizer.json");
  const auto cases = read_json(tokenizer_data_dir() / "cases_deepseek_v3.json");
  check_decode_cases(deepseek_v3(), cases.at("decode_cases"));
}

// transformers 4.x LlamaTokenizerFast (what the Engram reference used) prepends BOS because of
// add_bos_token; encode_with_config_specials reproduces it. The generator recorded the ids it got.
TEST(TokenizerCorpus, DeepSeekV3ConfigSpecialsMatchTransformers4) {
  ENGRAM_REQUIRE_SHARED(deepseek_v3_dir() / "tokenizer.json");
  const auto doc = read_json(tokenizer_data_dir() / "cases_deepseek_v3.json");
  const auto& texts = corpus().at("texts");
  MismatchLog log;
  size_t checked = 0;
  for (const auto& c : doc.at("cases")) {
    if (!c.contains("ids_transformers4")) continue;
    const std::string text = texts.at(c["i"].get<size_t>()).get<std::string>();
    const auto want = ids_of(c["ids_transformers4"]);
    const auto got = deepseek_v3().encode_with_config_specials(text);
    if (got != want) log.add(escaped(text) + "\n    transformers4 " + ids_text(want) + "\n    C++ " + ids_text(got));
    ++checked;
  }
  if (checked == 0) GTEST_SKIP() << "cases generated without --transformers4-python";
  EXPECT_EQ(log.count(), 0u) << log.report();
}

}  // namespace
}  // namespace engram::testing
