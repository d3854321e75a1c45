// The GPT-2-style tokenizer with other pipeline components (normalizers, Split behaviours, added
// token options, post-processors, decoders, BPE options), each a JSON merge patch on its
// tokenizer.json, against what `tokenizers` produced for the same patched file.

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "tokenizer_test_util.h"

namespace engram::testing {
namespace {

using tokenizer::Tokenizer;

const nlohmann::json& variants() {
  static const nlohmann::json v = read_json(tokenizer_data_dir() / "variants_gpt2_style.json");
  return v;
}

const nlohmann::json& base_json() {
  static const nlohmann::json b = read_json(gpt2_style_dir() / "tokenizer.json");
  return b;
}

class TokenizerVariant : public ::testing::TestWithParam<std::string> {};

TEST_P(TokenizerVariant, MatchesHuggingFace) {
  const nlohmann::json* variant = nullptr;
  for (const auto& v : variants().at("variants"))
    if (v.at("name") == GetParam()) variant = &v;
  ASSERT_NE(variant, nullptr);
  nlohmann::json patched = base_json();
  patched.merge_patch(variant->at("patch"));  // RFC 7386, like the generator's merge_patch
  const Tokenizer tok = Tokenizer::from_json_text(patched.dump(), {}, GetParam());
  EXPECT_EQ(tok.vocab_size(), variant->at("vocab_size").get<int64_t>());

  const auto& texts = corpus().at("texts");
  MismatchLog log;
  for (const auto& c : variant->at("cases")) {
    const std::string text = texts.at(c.at("i").get<size_t>()).get<std::string>();
    const auto want = ids_of(c.at("ids"));
    const auto want_plain = c.contains("ids_no_special") ? ids_of(c["ids_no_special"]) : want;
    const std::string want_decode = c.at("decode").get<std::string>();
    const std::string want_skip = c.value("decode_skip_special", want_decode);
    const std::string where = escaped(text);
    const auto got = tok.encode(text, true), got_plain = tok.encode(text, false);
    if (got != want) log.add(where + "\n    HF  " + ids_text(want) + "\n    C++ " + ids_text(got));
    if (got_plain != want_plain)
      log.add(where + " (no special)\n    HF  " + ids_text(want_plain) + "\n    C++ " + ids_text(got_plain));
    if (tok.encode_reference(text, true) != want) log.add(where + " (reference path)");
    const std::string dec = tok.decode(want, false), dec_skip = tok.decode(want, true);
    if (dec != want_decode) log.add(where + " decode\n    HF  " + escaped(want_decode) + "\n    C++ " + escaped(dec));
    if (dec_skip != want_skip)
      log.add(where + " decode(skip)\n    HF  " + escaped(want_skip) + "\n    C++ " + escaped(dec_skip));
  }
  EXPECT_EQ(log.count(), 0u) << log.report();
}

std::vector<std::string> variant_names() {
  std::vector<std::string> names;
  for (const auto& v : variants().at("variants")) names.push_back(v.at("name").get<std::string>());
  return names;
}

INSTANTIATE_TEST_SUITE_P(Gpt2Style, TokenizerVariant, ::testing::ValuesIn(variant_names()),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

}  // namespace
}  // namespace engram::testing
