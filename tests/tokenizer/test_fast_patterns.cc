// The hand-written matchers (fast_patterns.h) against ICU running the same regex, and the pieces
// both rely on: character classes and the Oniguruma -> ICU pattern translation.

#include <gtest/gtest.h>

#include <random>

#include "harness/tokenizer/char_class.h"
#include "harness/tokenizer/fast_patterns.h"
#include "harness/tokenizer/regex.h"
#include "harness/tokenizer/utf8.h"
#include "tokenizer_test_util.h"

namespace engram::testing {
namespace {

using namespace engram::tokenizer;

std::string matches_text(const std::vector<Match>& m, std::string_view text) {
  std::string out;
  for (const auto& [s, e] : m) out += escaped(std::string(text.substr(s, e - s)), 40) + " ";
  return out;
}

// Runs both engines on text and logs any difference.
void compare(const Regex& re, const std::string& text, MismatchLog& log) {
  std::vector<Match> fast, icu;
  re.find_all(text, fast, true);
  re.find_all(text, icu, false);
  if (fast != icu)
    log.add(escaped(text) + "\n    ICU  " + matches_text(icu, text) + "\n    fast " + matches_text(fast, text));
}

const char* const kPatterns[] = {kGpt2Pattern, kDeepSeekDigitsPattern, kDeepSeekCjkPattern, kDeepSeekMainPattern};

TEST(TokenizerFastPatterns, EveryKnownPatternHasAFastPath) {
  for (const char* p : kPatterns) EXPECT_TRUE(Regex(p, "test").has_fast_path()) << p;
  EXPECT_FALSE(Regex("\\p{N}{1,4}", "test").has_fast_path());
}

// The DeepSeek-V3 file spells its patterns exactly as fast_patterns.cc does.
TEST(TokenizerFastPatterns, DeepSeekV3PatternsAreRecognised) {
  ENGRAM_REQUIRE_SHARED(deepseek_v3_dir() / "tokenizer.json");
  const auto j = read_json(deepseek_v3_dir() / "tokenizer.json");
  const auto& steps = j.at("pre_tokenizer").at("pretokenizers");
  EXPECT_EQ(steps.at(0).at("pattern").at("Regex"), kDeepSeekDigitsPattern);
  EXPECT_EQ(steps.at(1).at("pattern").at("Regex"), kDeepSeekCjkPattern);
  EXPECT_EQ(steps.at(2).at("pattern").at("Regex"), kDeepSeekMainPattern);
}

TEST(TokenizerFastPatterns, MatchIcuOnCorpus) {
  MismatchLog log;
  for (const char* p : kPatterns) {
    const Regex re(p, "test");
    for (const auto& t : corpus().at("texts")) compare(re, t.get<std::string>(), log);
  }
  EXPECT_EQ(log.count(), 0u) << log.report();
}

// Random strings over an alphabet with one or more code points from every class the patterns
// distinguish, so that every alternative and every backtracking path is exercised many times.
TEST(TokenizerFastPatterns, MatchIcuOnRandomStrings) {
  const std::vector<std::string> alphabet = {
      "a", "Z", "s", "t", "r", "e", "v", "l", "m", "d", "S", "\xC3\xA9" /* é */, "\xCC\x81" /* U+0301 Mn */,
      "\xE0\xA4\x83" /* U+0903 Mc */, "5", "\xC2\xB2" /* ² No */, "\xE2\x85\xAB" /* Ⅻ Nl */,
      "\xD9\xA3" /* ٣ Nd */, "'", "!", "-", "_", "`", "~", "$", "+", "<", "\xE2\x82\xAC" /* € Sc */,
      "\xC2\xA9" /* © So */, "\xF0\x9F\x98\x80" /* 😀 */, "\xE2\x80\x94" /* — Pd */, "\xC2\xAB" /* « Pi */,
      " ", " ", " ", "\t", "\n", "\r", "\v", "\f", "\xC2\x85" /* NEL */, "\xC2\xA0" /* NBSP */,
      "\xE3\x80\x80" /* ideographic space */, "\xE2\x80\xA8" /* LS */, "\xE2\x80\x8B" /* ZWSP Cf */,
      "\xE2\x80\x8D" /* ZWJ */, std::string(1, '\0'), "\x1B", "\xEE\x80\x80" /* Co */, "\xE4\xBD\xA0" /* 你 */,
      "\xE9\xBE\xA5" /* 龥 U+9FA5, last in range */, "\xE9\xBE\xA6" /* U+9FA6, first outside */,
      "\xE3\x82\xA2" /* ア */, "\xEF\xBD\xB1" /* half-width ｱ */, "\xE3\x83\xBC" /* ー U+30FC */,
      "\xEA\xB0\x80" /* 가 */, "\xE3\x80\x82" /* 。 */};
  std::mt19937 rng(12345);
  std::uniform_int_distribution<size_t> pick(0, alphabet.size() - 1), len(1, 10);
  std::vector<std::unique_ptr<Regex>> regexes;
  for (const char* p : kPatterns) regexes.push_back(std::make_unique<Regex>(p, "test"));
  MismatchLog log;
  for (int i = 0; i < 20000; ++i) {
    std::string s;
    for (size_t k = len(rng); k > 0; --k) s += alphabet[pick(rng)];
    for (const auto& re : regexes) compare(*re, s, log);
  }
  EXPECT_EQ(log.count(), 0u) << log.report();
}

TEST(TokenizerCharClass, AsciiTableAgreesWithIcu) {
  for (char32_t c = 0; c < 128; ++c) EXPECT_EQ(chars::classify(c), chars::classify_slow(c)) << "U+" << std::hex << c;
}

// Oniguruma's \s is White_Space (with U+000B and U+0085, without U+200B/U+180E/U+FEFF/U+001C);
// the translated pattern must see exactly those as whitespace through ICU.
TEST(TokenizerRegex, WhitespaceMeansWhiteSpaceProperty) {
  const Regex space("\\s", "test"), non_space("[^\\s]", "test");
  const std::vector<std::pair<std::string, bool>> cases = {
      {" ", true}, {"\t", true}, {"\n", true}, {"\v", true}, {"\f", true}, {"\r", true},
      {"\xC2\x85", true}, {"\xC2\xA0", true}, {"\xE3\x80\x80", true}, {"\xE2\x80\xA8", true},
      {"\xE2\x80\xA9", true}, {"\xE2\x80\x89", true}, {"\xE2\x80\x8B", false}, {"\xE1\xA0\x8E", false},
      {"\xEF\xBB\xBF", false}, {"\x1C", false}, {"x", false}};
  for (const auto& [s, is_space] : cases) {
    std::vector<Match> m1, m2;
    space.find_all(s, m1, false);
    non_space.find_all(s, m2, false);
    EXPECT_EQ(!m1.empty(), is_space) << escaped(s);
    EXPECT_EQ(!m2.empty(), !is_space) << escaped(s);
    size_t pos = 0;
    EXPECT_EQ(chars::is_space(utf8::next(s, pos)), is_space) << escaped(s);
  }
}

TEST(TokenizerRegex, TranslationLeavesOtherEscapesAlone) {
  EXPECT_EQ(Regex::to_icu_syntax("\\s+(?!\\S)"), "\\p{White_Space}+(?!\\P{White_Space})");
  EXPECT_EQ(Regex::to_icu_syntax("[^\\s\\p{L}]"), "[^\\p{White_Space}\\p{L}]");
  EXPECT_EQ(Regex::to_icu_syntax("\\\\s\\d\\p{N}\\-\\x{41}"), "\\\\s\\d\\p{N}\\-\\x{41}");
  EXPECT_EQ(Regex::to_icu_syntax("\\h"), "[0-9a-fA-F]");
  EXPECT_EQ(Regex::to_icu_syntax("[\\b]"), "[\\b]");
}

// Oniguruma's \w: no ZWJ/ZWNJ (ICU's \w has them), but the Latin-1 ²³¹¼½¾ (its ctype table).
TEST(TokenizerRegex, WordClassIsOniguruma) {
  const Regex word("\\w", "test"), boundary("\\b", "test");
  const std::vector<std::pair<std::string, bool>> cases = {
      {"a", true}, {"_", true}, {"5", true}, {"\xD9\xA3", true} /* Arabic-Indic 3 */, {"\xCC\x81", true},
      {"\xC2\xB2", true}, {"\xC2\xBD", true}, {"\xE2\x93\x90", true} /* circled a: Alphabetic */,
      {"\xE2\x80\x8D", false}, {"\xE2\x80\x8C", false}, {"\xE0\xA7\xB4", false} /* U+09F4 No */,
      {"-", false}, {" ", false}};
  for (const auto& [s, is_word] : cases) {
    std::vector<Match> m, b;
    word.find_all(s, m, false);
    boundary.find_all(s, b, false);
    EXPECT_EQ(!m.empty(), is_word) << escaped(s);
    EXPECT_EQ(b.size(), is_word ? 2u : 0u) << escaped(s);  // before and after a lone word character
  }
}

TEST(TokenizerRegex, EmptyMatchesFollowOnigurumaIteration) {
  // x* on "abxxc": empty at 0 and 1, "xx", then no empty match right at 4 (the end of "xx").
  const Regex re("x*", "test");
  std::vector<Match> m;
  re.find_all("abxxc", m);
  const std::vector<Match> want = {{0, 0}, {1, 1}, {2, 4}, {5, 5}};
  EXPECT_EQ(m, want);
}

TEST(TokenizerRegex, BadPatternNamesTheField) {
  try {
    Regex("(unclosed", "pre_tokenizer.pattern.Regex");
    FAIL() << "no exception";
  } catch (const std::exception& e) {
    EXPECT_NE(std::string(e.what()).find("pre_tokenizer.pattern.Regex"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace engram::testing
