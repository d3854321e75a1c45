// Answer extraction and exact_match with Python semantics: lm-eval's BBH CoT regex and its quirks,
// take-first/group_select, Python's `.`/`$`/strip/lower, HF evaluate's normalisations and the
// stop-string cut.
#include <gtest/gtest.h>

#include "tasks/answer_filter.h"
#include "tasks/exact_match.h"
#include "tasks/py_regex.h"
#include "tasks/text.h"

namespace engram::tasks {
namespace {

AnswerFilter bbh_cot_filter() {
  return AnswerFilter("get-answer").regex("(?<=the answer is )(.*)(?=.)").take_first();
}

TEST(AnswerFilter, BbhCotRegexTakesAnswerWithoutFinalPeriod) {
  const auto f = bbh_cot_filter();
  EXPECT_EQ(f.apply("A is 1. So the answer is (B).").text, "(B)");
  EXPECT_EQ(f.apply("So the answer is Monsters, Inc.").text, "Monsters, Inc");
  EXPECT_EQ(f.apply("So the answer is -219.").text, "-219");
  EXPECT_FALSE(f.apply("So the answer is (B).").fell_back);
}

TEST(AnswerFilter, BbhCotRegexQuirksAreKept) {
  const auto f = bbh_cot_filter();
  // The last character of the line is dropped whatever it is (lm-eval PR #2013).
  EXPECT_EQ(f.apply("So the answer is (B). ").text, "(B).");
  EXPECT_EQ(f.apply("So the answer is True").text, "Tru");
  // Only "the answer is " in lower case; nothing found -> "[invalid]".
  const auto none = f.apply("The answer is (C).");
  EXPECT_EQ(none.text, "[invalid]");
  EXPECT_TRUE(none.fell_back);
  // `.` stops at "\n": the first line's answer, and the first match wins.
  EXPECT_EQ(f.apply("so the answer is (A).\nthe answer is (B).").text, "(A)");
  // An answer cut by the stop string "Q" ("(Q)" -> "(") leaves an empty match, not a fallback.
  const auto cut = f.apply("So the answer is (");
  EXPECT_EQ(cut.text, "");
  EXPECT_FALSE(cut.fell_back);
}

TEST(AnswerFilter, PythonDotAndStripSemantics) {
  const auto f = bbh_cot_filter();
  // Python's `.` matches U+2028 (only "\n" ends a line), and str.strip() removes it.
  EXPECT_EQ(f.apply("So the answer is (A)\u2028.").text, "(A)");
  EXPECT_EQ(f.apply("So the answer is \u00a0(A) .").text, "(A)");
  // "\r" is an ordinary character for Python's `.`.
  EXPECT_EQ(f.apply("So the answer is (A).\r").text, "(A).");
}

TEST(AnswerFilter, GroupSelectAndGroups) {
  AnswerFilter last("last");
  last.regex("\\(([A-Z])\\)", -1);
  EXPECT_EQ(last.apply("(A) or maybe (B)").text, "B");
  AnswerFilter alternatives("alt");
  alternatives.regex("answer: (\\w+)|final: (\\w+)");
  EXPECT_EQ(alternatives.apply("final: yes").text, "yes");
  AnswerFilter strip("strip");
  strip.strip();
  EXPECT_EQ(strip.apply(" \t(A)\n").text, "(A)");
  EXPECT_EQ(AnswerFilter::none().apply(" (A)").text, " (A)");
}

TEST(AnswerFilter, DescribeIsStable) {
  EXPECT_EQ(bbh_cot_filter().describe(), bbh_cot_filter().describe());
  EXPECT_EQ(bbh_cot_filter().describe()["steps"][0]["regex_pattern"], "(?<=the answer is )(.*)(?=.)");
}

TEST(PyRegex, InvalidPatternNamesIt) {
  try {
    PyRegex bad("(unclosed");
    FAIL();
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("(unclosed"), std::string::npos);
  }
}

TEST(PyRegex, SubIsLiteral) {
  EXPECT_EQ(PyRegex(",").sub("a,b,c"), "abc");
  EXPECT_EQ(PyRegex("b").sub("abc", "$1\\"), "a$1\\c");
}

TEST(ExactMatch, RawComparisonByDefault) {
  const ExactMatch em;
  EXPECT_EQ(em.score("(A)", "(A)"), 1.0);
  EXPECT_EQ(em.score(" (A)", "(A)"), 0.0);
  EXPECT_EQ(em.score("yes", "Yes"), 0.0);
}

TEST(ExactMatch, BbhZeroshotNormalisation) {
  ExactMatchOptions o;
  o.ignore_case = true;
  o.regexes_to_ignore = {"\\.$", ",", "\\n", "\\\\", "\""};
  const ExactMatch em(o);
  EXPECT_EQ(em.score("(A).", "(a)"), 1.0);
  // Python's `$` also matches before a final "\n": the period goes, then the newline.
  EXPECT_EQ(em.score("(A).\n", "(A)"), 1.0);
  EXPECT_EQ(em.score("Monsters, Inc", "monsters inc"), 1.0);
  EXPECT_EQ(em.score("\"yes\"", "Yes"), 1.0);
  // A leading space is not normalised away.
  EXPECT_EQ(em.score(" (A)", "(A)"), 0.0);
}

TEST(ExactMatch, PunctuationAndNumbers) {
  ExactMatchOptions o;
  o.ignore_punctuation = true;
  o.ignore_numbers = true;
  EXPECT_EQ(ExactMatch(o).normalise("(B) 42!"), "B ");
  ExactMatchOptions lower;
  lower.ignore_case = true;
  EXPECT_EQ(ExactMatch(lower).normalise("\u00c0B"), "\u00e0b");
}

TEST(Text, PythonStripAndLower) {
  EXPECT_EQ(py_strip(" \t\n\u00a0x y\u3000\r"), "x y");
  EXPECT_EQ(py_strip(""), "");
  EXPECT_EQ(py_strip("   "), "");
  EXPECT_EQ(py_lstrip("  a "), "a ");
  EXPECT_EQ(py_rstrip("  a "), "  a");
  EXPECT_EQ(py_lower("ABC def"), "abc def");
}

TEST(Text, StopStringsCutAtEarliest) {
  bool hit = false;
  EXPECT_EQ(cut_at_stop_strings("step one. Queen moves\n\nQ: next", {"</s>", "Q", "\n\n"}, &hit), "step one. ");
  EXPECT_TRUE(hit);
  EXPECT_EQ(cut_at_stop_strings("no stop here", {"</s>", "Q", "\n\n"}, &hit), "no stop here");
  EXPECT_FALSE(hit);
  EXPECT_EQ(cut_at_stop_strings("a\n\nb</s>", {"</s>", "\n\n"}, &hit), "a");
}

TEST(Text, ValidUtf8) {
  // A truncated sequence becomes one U+FFFD, as Python's decode(errors="replace") does.
  EXPECT_EQ(to_valid_utf8("ok \xE2\x82"), "ok \xEF\xBF\xBD");
  EXPECT_EQ(to_valid_utf8("\xFFx"), "\xEF\xBF\xBDx");
  EXPECT_EQ(to_valid_utf8("\u00e9"), "\u00e9");
}

}  // namespace
}  // namespace engram::tasks
