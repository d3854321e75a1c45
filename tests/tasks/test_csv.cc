// The CSV reader on RFC 4180 cases (quotes, doubled quotes, multi-line fields, CRLF, BOM) and the
// line numbers it reports.
#include <gtest/gtest.h>

#include "tasks/csv_reader.h"
#include "tasks/data_error.h"

namespace engram::tasks {
namespace {

TEST(Csv, QuotedFieldsCommasQuotesNewlines) {
  const std::string text =
      "plain,\"with, comma\",\"say \"\"hi\"\"\"\n"
      "\"two\nlines\",x,\"\"\n"
      "last,row,3";
  const auto rows = parse_csv(text, "t.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"plain", "with, comma", "say \"hi\""}));
  EXPECT_EQ(rows[0].line, 1u);
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"two\nlines", "x", ""}));
  EXPECT_EQ(rows[1].line, 2u);
  EXPECT_EQ(rows[2].line, 4u);  // the multi-line field took two lines
  EXPECT_EQ(rows[2].fields[2], "3");
}

TEST(Csv, CrlfBomBlankLinesAndEmptyFields) {
  const auto rows = parse_csv("\xEF\xBB\xBF" "a,b\r\n\r\n,\r\n\"q\r\nr\",z\r\n", "t.csv");
  ASSERT_EQ(rows.size(), 3u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(rows[1].fields, (std::vector<std::string>{"", ""}));
  EXPECT_EQ(rows[1].line, 3u);
  EXPECT_EQ(rows[2].fields[0], "q\r\nr");  // kept as is inside quotes
  EXPECT_EQ(rows[2].line, 4u);
}

TEST(Csv, LenientLikePython) {
  // A quote inside an unquoted field is literal; text after a closing quote is appended.
  const auto rows = parse_csv("5\" tall,\"ab\"cd,e\n", "t.csv");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0].fields, (std::vector<std::string>{"5\" tall", "abcd", "e"}));
}

TEST(Csv, UnterminatedQuoteNamesFileAndLine) {
  try {
    parse_csv("a,b\nc,\"never closed\nmore\n", "broken.csv");
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.file(), "broken.csv");
    EXPECT_EQ(e.line(), 2u);
    EXPECT_NE(std::string(e.what()).find("broken.csv:2:"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("unterminated"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace engram::tasks
