// results/paper against the paper notes (../shared/docs/paper.md), so a typo in the JSON is caught,
// and the paper:NAME references as compare columns.
#include <gtest/gtest.h>

#include <fstream>
#include <regex>

#include <nlohmann/json.hpp>

#include "../../test_support.h"
#include "harness/report/compare_table.h"
#include "harness/report/paper_reference.h"
#include "compare_fixtures.h"

namespace engram::report {
namespace {

namespace fs = std::filesystem;
using engram::testing::read_json;
using engram::testing::shared_dir;
using engram::testing::source_dir;

fs::path paper_dir() { return source_dir() / "results" / "paper"; }

std::vector<std::string> cells_of(const std::string& line) {
  std::vector<std::string> out;
  std::string cell;
  for (size_t i = 1; i < line.size(); ++i) {
    if (line[i] == '|') {
      const size_t b = cell.find_first_not_of(' '), e = cell.find_last_not_of(' ');
      out.push_back(b == std::string::npos ? "" : cell.substr(b, e - b + 1));
      cell.clear();
    } else {
      cell += line[i];
    }
  }
  return out;
}

double number(std::string text) {
  text.erase(std::remove(text.begin(), text.end(), ','), text.end());
  return std::stod(text);
}

// The table rows of paper.md that follow the line starting with `heading`, up to the first blank line after them.
std::vector<std::vector<std::string>> md_table_after(const std::string& heading) {
  std::ifstream in(shared_dir() / "docs" / "paper.md");
  std::string line;
  bool after = false, inside = false;
  std::vector<std::vector<std::string>> rows;
  while (std::getline(in, line)) {
    const size_t start = line.find_first_not_of(' ');
    const std::string trimmed = start == std::string::npos ? "" : line.substr(start);
    if (!after) {
      after = trimmed.rfind(heading, 0) == 0;
      continue;
    }
    if (!trimmed.empty() && trimmed[0] == '|') {
      inside = true;
      if (trimmed.find("---") == std::string::npos) rows.push_back(cells_of(trimmed));
    } else if (inside) {
      break;
    }
  }
  return rows;
}

const nlohmann::json& json_row(const nlohmann::json& table, const std::string& key, const std::string& value) {
  for (const auto& row : table.at("rows")) {
    if (row.at(key) == value) return row;
  }
  throw std::runtime_error("results/paper has no row " + value);
}

TEST(PaperTables, Table1MatchesThePaperNotes) {
  ENGRAM_REQUIRE_SHARED(shared_dir() / "docs" / "paper.md");
  const nlohmann::json table = read_json(paper_dir() / "table1.json");
  const auto rows = md_table_after("### 4.2 Table 1");
  const std::vector<std::string> columns = {"dense-4b", "moe-27b", "engram-27b", "engram-40b"};
  size_t checked = 0;
  for (const auto& cells : rows) {
    if (cells.size() != 7 || cells[0].empty() || cells[0] == "Group") continue;  // header and fact rows
    const std::string benchmark = cells[1].substr(0, cells[1].find(" ("));
    const nlohmann::json& row = json_row(table, "benchmark", benchmark);
    EXPECT_EQ(row.at("shots"), cells[2]) << benchmark;
    for (size_t c = 0; c < columns.size(); ++c) {
      EXPECT_DOUBLE_EQ(row.at("values").at(columns[c]).get<double>(), number(cells[3 + c])) << benchmark << " " << columns[c];
    }
    ++checked;
  }
  EXPECT_EQ(checked, 29u);
  EXPECT_EQ(table.at("rows").size(), 29u);
}

TEST(PaperTables, Table2MatchesThePaperNotes) {
  ENGRAM_REQUIRE_SHARED(shared_dir() / "docs" / "paper.md");
  const nlohmann::json table = read_json(paper_dir() / "table2.json");
  const auto rows = md_table_after("Table 2 (verbatim");
  const std::map<std::string, std::string> column_of = {{"MoE-27B (50k, 1.63)", "moe-27b"},
                                                         {"Engram-27B (41k, 1.66)", "engram-27b@41k"},
                                                         {"Engram-27B (46k, 1.63)", "engram-27b@46k"},
                                                         {"Engram-27B (50k, 1.62)", "engram-27b"}};
  size_t checked = 0;
  for (const auto& cells : rows) {
    if (!column_of.count(cells[0])) continue;
    ASSERT_EQ(cells.size(), 13u);
    for (size_t k = 0; k < 12; ++k) {
      const double typed = table.at("rows").at(k).at("values").at(column_of.at(cells[0])).get<double>();
      EXPECT_DOUBLE_EQ(typed, number(cells[1 + k])) << cells[0] << " " << table.at("rows").at(k).at("benchmark");
      ++checked;
    }
  }
  EXPECT_EQ(checked, 48u);
}

TEST(PaperTables, Table4MatchesThePaperNotes) {
  ENGRAM_REQUIRE_SHARED(shared_dir() / "docs" / "paper.md");
  const nlohmann::json table = read_json(paper_dir() / "table4.json");
  const auto rows = md_table_after("| Base Model | Configuration");
  ASSERT_EQ(rows.size(), 4u);
  for (size_t i = 0; i < rows.size(); ++i) {
    const nlohmann::json& row = table.at("rows").at(i);
    EXPECT_EQ(row.at("base_model"), rows[i][0]);
    EXPECT_EQ(row.at("configuration"), rows[i][1]);
    EXPECT_DOUBLE_EQ(row.at("throughput_tok_s").get<double>(), number(rows[i][2]));
  }
}

TEST(PaperReference, LoadsAsAReportShapedColumn) {
  const LoadedReport r = load_paper_reference("paper:engram-27b", paper_dir());
  EXPECT_TRUE(r.reference);
  const TaskScores* mmlu = r.find_task("mmlu");
  ASSERT_NE(mmlu, nullptr);
  EXPECT_EQ(mmlu->primary_metric, "acc,none");
  EXPECT_NEAR(*mmlu->metrics.at("acc,none").value, 0.604, 1e-12);
  EXPECT_NEAR(*r.find_task("bbh_cot_fewshot")->metrics.at("exact_match,get-answer").value, 0.559, 1e-12);
  EXPECT_NEAR(*r.find_task("humaneval")->metrics.at("pass@1,create_test").value, 0.408, 1e-12);
  const TaskScores* ruler = r.find_task("ruler");
  ASSERT_NE(ruler, nullptr);
  EXPECT_EQ(ruler->groups.size(), 8u);  // T2's 50k row
  EXPECT_FALSE(ruler->items);

  const LoadedReport dense = load_paper_reference("paper:dense-4b", paper_dir());
  ASSERT_EQ(dense.offload.size(), 1u);
  EXPECT_NEAR(*dense.offload[0].overhead_pct, 100.0 * (9031.62 - 8858.28) / 9031.62, 1e-9);
  EXPECT_EQ(dense.speed.size(), 2u);
}

TEST(PaperReference, UnknownNameListsTheKnownOnes) {
  try {
    load_paper_reference("paper:engram-99b", paper_dir());
    FAIL() << "no error";
  } catch (const ReportInputError& e) {
    const std::string message = e.what();
    for (const char* name : {"paper:dense-4b", "paper:moe-27b", "paper:engram-27b", "paper:engram-40b",
                             "paper:engram-27b@46k", "paper:dense-8b"}) {
      EXPECT_NE(message.find(name), std::string::npos) << message;
    }
  }
}

TEST(PaperReference, CompareShowsValuesAndDeltasButNoPairedTest) {
  const auto pair = engram::testing::make_binary_pair(100, 0, 0, 3);
  std::vector<LoadedReport> reports = {
      parse_report(engram::testing::make_report("tiny-engram", {{"mmlu", engram::testing::make_task("mmlu", "acc,none", pair.a)}}),
                   "run.json"),
      load_paper_reference("paper:engram-27b", paper_dir())};
  const Comparison c = compare_reports(reports);
  ASSERT_FALSE(c.accuracy.empty());
  const AccuracyRow& mmlu = c.accuracy.front();
  ASSERT_EQ(mmlu.name, "mmlu");
  const AccuracyCell& paper = mmlu.cells[1];
  EXPECT_TRUE(paper.present);
  EXPECT_TRUE(paper.delta);
  EXPECT_FALSE(paper.test);
  EXPECT_TRUE(paper.protocol_unchecked);
  EXPECT_NE(paper.no_test_reason.find("no per-item data"), std::string::npos);
}

}  // namespace
}  // namespace engram::report
