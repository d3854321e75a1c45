// Engram's compression over the real DeepSeek-V3 vocabulary: the same table as the reference
// algorithm computed in Python (scripts/gen_compression_reference.py), and the paper's figure.
#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "cli_runner.h"
#include "harness/tokenizer/tokenizer.h"
#include "harness/tokenizer_compression.h"
#include "test_support.h"
#include "tasks/sha256.h"

namespace engram {
namespace {


std::filesystem::path deepseek_dir() { return testing::shared_dir() / "tokenizers" / "deepseek-v3"; }

TEST(TokenizerCompression, DeepSeekV3TableEqualsTheReferenceAlgorithm) {
  ENGRAM_REQUIRE_SHARED(deepseek_dir() / "tokenizer.json");
  const auto expected = testing::read_json(testing::source_dir() / "tests/data/tokenizer/deepseek_v3_compression.json");
  const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(deepseek_dir().string());
  const CompressionTable table = harness::build_compression_table(tok);
  EXPECT_EQ(table.vocab_size(), expected["vocab_size"].get<int64_t>());
  EXPECT_EQ(table.compressed_size(), expected["compressed_vocab_size"].get<int64_t>());
  for (const auto& [id, compressed] : expected["lookup_sample"].items()) {
    EXPECT_EQ(table.lookup_table()[std::stoll(id)], compressed.get<int64_t>()) << "raw id " << id;
  }
  tasks::Sha256 sha;
  for (int64_t v : table.lookup_table()) {
    char bytes[8];
    for (int i = 0; i < 8; ++i) bytes[i] = static_cast<char>((static_cast<uint64_t>(v) >> (8 * i)) & 0xFF);
    sha.update(std::string_view(bytes, 8));
  }
  EXPECT_EQ(sha.hex_digest(), expected["lookup_sha256_int64le"].get<std::string>());
  const auto groups = harness::largest_groups(table, 5);
  for (std::size_t i = 0; i < groups.size(); ++i) {
    EXPECT_EQ(static_cast<int64_t>(groups[i].raw_ids.size()), expected["largest_groups"][i]["merge_count"].get<int64_t>());
  }
}

TEST(TokenizerCompression, CliReportsThePaperFigureAndSavesTheTable) {
  ENGRAM_REQUIRE_SHARED(deepseek_dir() / "tokenizer.json");
  const std::string out = (std::filesystem::temp_directory_path() / ("engram_cmp_" + std::to_string(::getpid()) + ".json")).string();
  const auto [code, output] = testing::run_engram_bench("tokenizer compress --json --top 5 --tokenizer " + deepseek_dir().string() + " --out " + out);
  ASSERT_EQ(code, 0) << output;
  const auto report = nlohmann::json::parse(output);
  // Paper table 6: "the overall compression ratio is 23.43% for our 128k tokenizer".
  const double reduction = report["reduction"].get<double>();
  EXPECT_GE(reduction, 0.2343);
  EXPECT_LT(reduction, 0.2344);
  // Table 6's top-5 merge counts: 163 (space), 54 (a), 40 (o), 35 (e), 30 (i).
  const std::vector<std::pair<std::string, int64_t>> table6 = {{" ", 163}, {"a", 54}, {"o", 40}, {"e", 35}, {"i", 30}};
  for (std::size_t i = 0; i < table6.size(); ++i) {
    EXPECT_EQ(report["largest_groups"][i]["key"], table6[i].first);
    EXPECT_EQ(report["largest_groups"][i]["merge_count"], table6[i].second);
  }
  const CompressionTable saved = CompressionTable::load(out);
  EXPECT_EQ(saved.compressed_size(), report["compressed_vocab_size"].get<int64_t>());
  std::filesystem::remove(out);
  EXPECT_NE(testing::run_engram_bench("tokenizer compress --tokenizer /nonexistent").first, 0);
}

}  // namespace
}  // namespace engram
