// decode([id]) for every DeepSeek-V3 id against the digest `tokenizers` produced (and which
// transformers 4.x and 5.x were checked to reproduce). Engram's compression table is built from
// exactly these per-id strings.

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>

#include "tasks/sha256.h"
#include "tokenizer_test_util.h"

namespace engram::testing {
namespace {

TEST(TokenizerAllIds, DeepSeekV3SingleIdDecodeDigest) {
  ENGRAM_REQUIRE_SHARED(deepseek_v3_dir() / "tokenizer.json");
  const auto doc = read_json(tokenizer_data_dir() / "deepseek_v3_all_ids.json");
  const auto& tok = deepseek_v3();
  const int64_t n = doc.at("count").get<int64_t>();
  ASSERT_EQ(tok.vocab_size(), n);

  // Samples first: on a digest mismatch they point at the first differing ids.
  MismatchLog log;
  for (const auto& s : doc.at("samples")) {
    const int64_t id = s.at(0).get<int64_t>();
    const std::string want = s.at(1).get<std::string>();
    const std::string got = tok.decode({id}, false);
    if (got != want) log.add("id " + std::to_string(id) + "\n    HF  " + escaped(want) + "\n    C++ " + escaped(got));
  }
  EXPECT_EQ(log.count(), 0u) << "sampled ids: " << log.report();

  tasks::Sha256 sha;
  std::vector<int64_t> fffd;
  for (int64_t id = 0; id < n; ++id) {
    const std::string s = tok.decode({id}, false);
    const auto len = static_cast<uint32_t>(s.size());
    const char le[4] = {char(len), char(len >> 8), char(len >> 16), char(len >> 24)};
    sha.update(std::string_view(le, 4));
    sha.update(s);
    if (s.find("\xEF\xBF\xBD") != std::string::npos) fffd.push_back(id);
  }
  const auto want_fffd = ids_of(doc.at("fffd_ids"));
  if (fffd != want_fffd) {
    std::vector<int64_t> only_cpp, only_hf;
    std::set_difference(fffd.begin(), fffd.end(), want_fffd.begin(), want_fffd.end(), std::back_inserter(only_cpp));
    std::set_difference(want_fffd.begin(), want_fffd.end(), fffd.begin(), fffd.end(), std::back_inserter(only_hf));
    ADD_FAILURE() << "ids whose decode has U+FFFD differ; only in C++: " << ids_text(only_cpp)
                  << ", only in HF: " << ids_text(only_hf);
  }
  EXPECT_EQ(sha.hex_digest(), doc.at("sha256").get<std::string>());
}

}  // namespace
}  // namespace engram::testing
