#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "engram/compression.h"
#include "test_support.h"

namespace engram {
namespace {

// Expected outputs come from Hugging Face `tokenizers` running the reference normaliser chain
// (scripts/gen_normalizer_cases.py).
TEST(Normalizer, MatchesHuggingFaceChainOnStressCorpus) {
  const auto data = testing::read_json(testing::source_dir() / "tests/data/normalizer_cases.json");
  int mismatches = 0, total = 0;
  for (const auto& item : data["cases"]) {
    const std::string input = item["input"].get<std::string>();
    const std::string expected = item["expected"].get<std::string>();
    const std::string got = normalize_token_text(input);
    ++total;
    if (got != expected) {
      ++mismatches;
      ADD_FAILURE() << "input " << nlohmann::json(input).dump() << ": expected " << nlohmann::json(expected).dump()
                    << ", got " << nlohmann::json(got).dump();
    }
  }
  EXPECT_GE(total, 500);
  EXPECT_EQ(mismatches, 0);
}

TEST(Normalizer, ReferenceRulesSpelledOut) {
  EXPECT_EQ(normalize_token_text(" Hello"), "hello");
  EXPECT_EQ(normalize_token_text("\t"), " ");         // a lone space survives as a space
  EXPECT_EQ(normalize_token_text("\n\n"), " ");
  EXPECT_EQ(normalize_token_text("a \t\n b"), "a b");
  EXPECT_EQ(normalize_token_text("Éé"), "ee");
  EXPECT_EQ(normalize_token_text("\u0915\u093e"), "\u0915");  // spacing vowel sign (Mc) stripped
  EXPECT_EQ(normalize_token_text("\u0085"), "");               // NEL: White_Space, stripped
}

TEST(Utf8, CleanMeansWellFormedAndNoReplacementCharacter) {
  EXPECT_TRUE(is_clean_utf8("abc \xE4\xB8\xAD"));
  EXPECT_FALSE(is_clean_utf8("\xE4\xB8"));        // truncated sequence
  EXPECT_FALSE(is_clean_utf8("a\xEF\xBF\xBD"));   // U+FFFD from a lossy decode
  EXPECT_FALSE(is_clean_utf8("\xC0\xAF"));        // overlong
}

std::vector<VocabEntry> toy_vocab() {
  return {
      {0, "<pad>", "<pad>"},
      {1, "Apple", "Apple"},
      {2, " apple", "\xC4\xA0" "apple"},
      {3, "\xEF\xBF\xBD", "\xC3\xA6"},  // partial UTF-8: decoded as U+FFFD, keyed by the raw token
      {4, "\xEF\xBF\xBD", "\xC3\xA7"},  // another partial byte: a different raw token, so a new id
      {5, " ", "\xC4\xA0"},
      {6, "\t\t", "\xC4\x89\xC4\x89"},
      {7, "\u0301", "\u0301"},          // normalises to empty: keyed by its own text
      {8, "APPLE", "APPLE"},
  };
}

TEST(CompressionTable, FirstAppearanceOrderAndReferenceKeys) {
  auto entries = toy_vocab();
  std::reverse(entries.begin(), entries.end());  // ids, not list order, decide first appearance
  const CompressionTable table = CompressionTable::build(entries);
  EXPECT_EQ(table.lookup_table(), (std::vector<int64_t>{0, 1, 1, 2, 3, 4, 4, 5, 1}));
  EXPECT_EQ(table.compressed_size(), 6);
  EXPECT_EQ(table.keys()[1], "apple");
  EXPECT_EQ(table.keys()[2], "\xC3\xA6");
  EXPECT_EQ(table.keys()[4], " ");
  EXPECT_EQ(table.keys()[5], "\u0301");
  EXPECT_NEAR(table.reduction(), 1.0 - 6.0 / 9.0, 1e-12);
  EXPECT_EQ(table.compress(-7), -7);
  EXPECT_EQ(table.compress(8), 1);
  EXPECT_THROW(table.compress(9), std::out_of_range);
}

TEST(CompressionTable, RejectsGapsAndDuplicates) {
  auto entries = toy_vocab();
  entries.pop_back();
  entries.push_back({9, "x", "x"});
  EXPECT_THROW(CompressionTable::build(entries), std::invalid_argument);
  entries = toy_vocab();
  entries[8].id = 7;
  EXPECT_THROW(CompressionTable::build(entries), std::invalid_argument);
}

TEST(CompressionTable, SaveLoadRoundTripAndCorruptFiles) {
  const auto dir = std::filesystem::temp_directory_path() / ("engram_table_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const auto path = (dir / "table.json").string();
  const CompressionTable table = CompressionTable::build(toy_vocab());
  table.save(path);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().filename(), "table.json") << "temporary file left behind";
  }
  const CompressionTable loaded = CompressionTable::load(path);
  EXPECT_EQ(loaded.lookup_table(), table.lookup_table());
  EXPECT_EQ(loaded.keys(), table.keys());

  auto write = [&](const std::string& text) {
    std::ofstream(path) << text;
  };
  auto expect_error_naming = [&](const std::string& needle) {
    try {
      CompressionTable::load(path);
      ADD_FAILURE() << "no error for a corrupt table";
    } catch (const std::runtime_error& e) {
      EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  write("{not json");
  expect_error_naming("not valid JSON");
  write(R"({"format": "engram-compression-table", "version": 1, "vocab_size": 2, "compressed_vocab_size": 1,
           "lookup_table": [0, 3], "keys": ["a"]})");
  expect_error_naming("lookup_table[1]");
  write(R"({"format": "engram-compression-table", "version": 1, "vocab_size": 2, "compressed_vocab_size": 1,
           "keys": ["a"]})");
  expect_error_naming("lookup_table");
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace engram
