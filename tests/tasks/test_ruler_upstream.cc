// Our RULER generator against upstream's own output: tests/data/protocols/ruler/ruler_{1024,4096}.json
// were written by NVIDIA/RULER's scripts/data/prepare.py (scripts/gen_ruler_fixtures.py) with the shared
// essays and word lists and the DeepSeek-V3 tokenizer through upstream's `hf` wrapper. Every stored
// sample's prompt, answer prefix, answers and length must come out byte for byte the same.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>

#include <nlohmann/json.hpp>

#include "harness/tokenizer/tokenizer.h"
#include "tasks/ruler/ruler_task.h"
#include "ruler_test_data.h"
#include "tasks_test_util.h"

namespace engram::tasks::ruler {
namespace {

using ::engram::tasks::testing::datasets_dir;

std::filesystem::path tokenizer_dir() { return ::engram::testing::shared_dir() / "tokenizers" / "deepseek-v3"; }

const tokenizer::Tokenizer& deepseek() {
  static const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(tokenizer_dir().string());
  return tok;
}

// The fixtures: ruler_<length>.json in tests/data/protocols/ruler (or $ENGRAM_RULER_FIXTURES, to
// check samples written by scripts/gen_ruler_fixtures.py --out-dir elsewhere). 1024 takes upstream's
// short-length branches (CWE's 20-word example and 6x/1x list, NIAH noise and VT steps of 5), 4096
// its standard ones.
std::filesystem::path fixture_dir() {
  const char* env = std::getenv("ENGRAM_RULER_FIXTURES");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(ENGRAM_SOURCE_DIR) / "tests/data/protocols/ruler";
}

const std::map<int64_t, nlohmann::json>& upstream_fixtures() {
  static const std::map<int64_t, nlohmann::json> docs = [] {
    std::map<int64_t, nlohmann::json> out;
    for (const auto& entry : std::filesystem::directory_iterator(fixture_dir())) {
      const std::string name = entry.path().filename().string();
      if (name.rfind("ruler_", 0) != 0 || entry.path().extension() != ".json") continue;
      std::ifstream in(entry.path());
      auto doc = nlohmann::json::parse(in);
      const auto length = doc.at("max_seq_length").get<int64_t>();
      EXPECT_EQ(name, "ruler_" + std::to_string(length) + ".json");
      out.emplace(length, std::move(doc));
    }
    return out;
  }();
  return docs;
}

// Our samples for one task at the fixture's length, with a model whose encode adds a BOS (as
// EngineModel's does): upstream's lengths count no added tokens, and ours must not either.
std::vector<FittedSample> our_samples(const std::string& task, int64_t length, size_t count,
                                      const std::filesystem::path& data_dir = testing::ruler_data_dir()) {
  TaskOptions o;
  o.data_dir = data_dir;
  o.encode = [](const std::string& text) {
    auto ids = deepseek().encode(text, false);
    ids.insert(ids.begin(), 0);
    return ids;
  };
  o.ruler.lengths = {length};
  o.ruler.samples = count;
  o.selection = {task};
  return make_ruler_task(o, o.ruler)->generate_samples(task + "@" + std::to_string(o.ruler.lengths[0]), count);
}

void expect_samples_match(const std::vector<FittedSample>& ours, const nlohmann::json& expected, const std::string& what) {
  ASSERT_EQ(ours.size(), expected.size()) << what;
  for (size_t i = 0; i < ours.size(); ++i) {
    const auto& want = expected[i];
    const std::string where = what + " sample " + std::to_string(i);
    EXPECT_EQ(ours[i].sample.input, want.at("input").get<std::string>()) << where;
    EXPECT_EQ(ours[i].sample.answer_prefix, want.at("answer_prefix").get<std::string>()) << where;
    EXPECT_EQ(ours[i].sample.outputs, want.at("outputs").get<std::vector<std::string>>()) << where;
    EXPECT_EQ(ours[i].length, want.at("length").get<int64_t>()) << where;
  }
}

void expect_task_matches_upstream(const std::string& task) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "ruler");
  ENGRAM_REQUIRE_SHARED(tokenizer_dir() / "tokenizer.json");
  ENGRAM_REQUIRE_SHARED(testing::punkt_cache_dir() / "english" / "ortho_context.tab");
  ASSERT_FALSE(upstream_fixtures().empty());
  for (const auto& [length, doc] : upstream_fixtures()) {
    const auto& expected = doc.at("tasks").at(task);
    ASSERT_GE(expected.size(), 3u);
    expect_samples_match(our_samples(task, length, expected.size()), expected, task + "@" + std::to_string(length));
  }
}

// nltk's sent_tokenize on tricky texts (scripts/gen_punkt_cases.py): abbreviations, initials,
// numbers, ellipses, quotes and brackets realigned or not, line and paragraph breaks, non-ASCII.
TEST(RulerUpstream, PunktSplitsAsNltk) {
  ENGRAM_REQUIRE_SHARED(testing::punkt_cache_dir() / "english" / "ortho_context.tab");
  const PunktParameters params = load_punkt_parameters(testing::punkt_cache_dir() / "english");
  std::ifstream in(std::string(ENGRAM_SOURCE_DIR) + "/tests/data/protocols/ruler/punkt_cases.json");
  ASSERT_TRUE(in);
  const auto doc = nlohmann::json::parse(in);
  ASSERT_GE(doc.at("cases").size(), 10u);
  for (const auto& c : doc.at("cases")) {
    const std::string text = c.at("text");
    EXPECT_EQ(punkt_sentences(text, params), c.at("sentences").get<std::vector<std::string>>()) << text;
  }
}

TEST(RulerUpstream, FixturesAreUpstreamsAtOurInputs) {
  if (!std::getenv("ENGRAM_RULER_FIXTURES")) EXPECT_EQ(upstream_fixtures().size(), 2u);  // 1024 and 4096
  for (const auto& [length, doc] : upstream_fixtures()) {
    EXPECT_EQ(doc.at("upstream"), "NVIDIA/RULER @ c3f5e3b4f87f97e048793bb510a3a6b19a46bf3a");
    EXPECT_EQ(doc.at("tokenizer").at("path"), "tokenizers/deepseek-v3");
    EXPECT_EQ(doc.at("max_seq_length"), length);
    EXPECT_EQ(doc.at("tasks").size(), 11u);  // all but qa_1/qa_2, whose data are not available
  }
}

TEST(RulerUpstream, NiahSingle1) { expect_task_matches_upstream("niah_single_1"); }
TEST(RulerUpstream, NiahSingle2) { expect_task_matches_upstream("niah_single_2"); }
TEST(RulerUpstream, NiahSingle3) { expect_task_matches_upstream("niah_single_3"); }
TEST(RulerUpstream, NiahMultikey1) { expect_task_matches_upstream("niah_multikey_1"); }
TEST(RulerUpstream, NiahMultikey2) { expect_task_matches_upstream("niah_multikey_2"); }
TEST(RulerUpstream, NiahMultikey3) { expect_task_matches_upstream("niah_multikey_3"); }
TEST(RulerUpstream, NiahMultivalue) { expect_task_matches_upstream("niah_multivalue"); }
TEST(RulerUpstream, NiahMultiquery) { expect_task_matches_upstream("niah_multiquery"); }
TEST(RulerUpstream, VariableTracking) { expect_task_matches_upstream("vt"); }
TEST(RulerUpstream, CommonWords) { expect_task_matches_upstream("cwe"); }
TEST(RulerUpstream, FrequentWords) { expect_task_matches_upstream("fwe"); }

// qa_1/qa_2 on made-up SQuAD/HotpotQA files (the real ones are not in the shared data): upstream's
// qa.py read them and wrote these samples (gen_ruler_fixtures.py --qa-synthetic), so its readers,
// document sampling and fixed shuffle are all checked.
TEST(RulerUpstream, QaOnSyntheticData) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "ruler");
  ENGRAM_REQUIRE_SHARED(tokenizer_dir() / "tokenizer.json");
  const auto fixtures = std::filesystem::path(ENGRAM_SOURCE_DIR) / "tests/data/protocols/ruler";
  std::ifstream in(fixtures / "qa_synthetic_4096.json");
  ASSERT_TRUE(in);
  const auto doc = nlohmann::json::parse(in);
  ::engram::tasks::testing::ScratchDir data;
  std::filesystem::create_directories(data.path() / "ruler" / "json");
  std::filesystem::create_directory_symlink(datasets_dir() / "ruler" / "wonderwords", data.path() / "ruler" / "wonderwords");
  for (const std::string file : {"squad.json", "hotpotqa.json"}) {
    std::filesystem::create_symlink(fixtures / "qa_synthetic" / file, data.path() / "ruler" / "json" / file);
  }
  std::filesystem::create_symlink(datasets_dir() / "ruler" / "json" / "PaulGrahamEssays.json",
                                  data.path() / "ruler" / "json" / "PaulGrahamEssays.json");
  for (const std::string task : {"qa_1", "qa_2"}) {
    const auto& expected = doc.at("tasks").at(task);
    ASSERT_GE(expected.size(), 3u);
    expect_samples_match(our_samples(task, 4096, expected.size(), data.path()), expected, task + "@4096");
  }
}

}  // namespace
}  // namespace engram::tasks::ruler
