// `engram-bench compare` and `regress` as a user runs them: outputs and exit codes.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "../../cli_runner.h"
#include "compare_fixtures.h"

namespace engram::testing {
namespace {

struct Files {
  std::string baseline, dropped, noisy, slower, broken;
};

const Files& files() {
  static const Files f = [] {
    const auto dir = scratch_dir("cli");
    const auto drop = make_binary_pair(200, 40, 5, 11);
    const auto noise = make_binary_pair(200, 10, 8, 11);
    Files out;
    // drop.a and noise.a differ, so each pair gets its own baseline file: the baseline is drop.a.
    out.baseline = write_json(dir / "baseline.json",
                              make_report("tiny-moe", {{"mmlu", make_task("mmlu", "acc,none", drop.a)}}, {make_speed_row("tiny", 100)}));
    out.dropped = write_json(dir / "dropped.json",
                             make_report("tiny-engram", {{"mmlu", make_task("mmlu", "acc,none", drop.b)}}, {make_speed_row("tiny", 100)}));
    write_json(dir / "noise_base.json", make_report("tiny-moe", {{"mmlu", make_task("mmlu", "acc,none", noise.a)}}, {make_speed_row("tiny", 100)}));
    out.noisy = write_json(dir / "noisy.json",
                           make_report("tiny-engram", {{"mmlu", make_task("mmlu", "acc,none", noise.b)}}, {make_speed_row("tiny", 98)}));
    out.slower = write_json(dir / "slower.json",
                            make_report("tiny-engram", {{"mmlu", make_task("mmlu", "acc,none", drop.a)}}, {make_speed_row("tiny", 90)}));
    auto broken = make_report("x", {{"mmlu", make_task("mmlu", "acc,none", drop.a)}});
    broken["tasks"]["mmlu"]["items"]["ids"] = 7;
    out.broken = write_json(dir / "broken.json", broken);
    return out;
  }();
  return f;
}

std::string noise_base() { return (scratch_dir("cli") / "noise_base.json").string(); }

TEST(CompareCli, MarkdownToStandardOutput) {
  const auto [code, out] = run_engram_bench("compare " + files().baseline + " " + files().dropped + " --bootstrap-resamples 500", false);
  EXPECT_EQ(code, 0) << out;
  EXPECT_NE(out.find("## Accuracy"), std::string::npos);
  EXPECT_NE(out.find("+5/-40"), std::string::npos);
  EXPECT_NE(out.find("McNemar"), std::string::npos);
}

TEST(CompareCli, HtmlWithPaperReferenceWrittenAtomically) {
  const std::string output = (scratch_dir("cli") / "page.html").string();
  const auto [code, out] = run_engram_bench("compare " + files().baseline + " " + files().dropped +
                                            " --reference paper:engram-27b --format html --bootstrap-resamples 500 -o " + output);
  EXPECT_EQ(code, 0) << out;
  std::ifstream in(output);
  std::stringstream page;
  page << in.rdbuf();
  EXPECT_NE(page.str().find("<svg"), std::string::npos);
  EXPECT_NE(page.str().find("paper:engram-27b"), std::string::npos);
  EXPECT_NE(page.str().find("</html>"), std::string::npos);
}

TEST(CompareCli, ListsReferences) {
  const auto [code, out] = run_engram_bench("compare --list-references", false);
  EXPECT_EQ(code, 0);
  EXPECT_NE(out.find("paper:moe-27b"), std::string::npos);
}

TEST(CompareCli, UnusableInputExitsTwoNamingFileAndField) {
  auto [code, out] = run_engram_bench("compare " + files().baseline + " " + files().broken);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("broken.json: field tasks.mmlu.items.ids"), std::string::npos) << out;
  std::tie(code, out) = run_engram_bench("compare " + files().baseline + " /nonexistent/report.json");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("/nonexistent/report.json"), std::string::npos);
  std::tie(code, out) = run_engram_bench("compare " + files().baseline + " --reference paper:nope");
  EXPECT_EQ(code, 2);
  EXPECT_NE(out.find("paper:engram-27b"), std::string::npos) << out;
  std::tie(code, out) = run_engram_bench("compare " + files().baseline + " --format pdf");
  EXPECT_EQ(code, 2);
}

TEST(RegressCli, ExitCodes) {
  auto [code, out] = run_engram_bench("regress --baseline " + files().baseline + " --current " + files().dropped);
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("regression"), std::string::npos);
  std::tie(code, out) = run_engram_bench("regress --baseline " + noise_base() + " --current " + files().noisy);
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = run_engram_bench("regress --baseline " + files().baseline + " --current " + files().slower +
                                         " --speed-tolerance 0.05 --format json");
  EXPECT_EQ(code, 1) << out;
  EXPECT_NE(out.find("\"failed\": true"), std::string::npos);
  std::tie(code, out) = run_engram_bench("regress --baseline " + files().baseline + " --current " + files().slower +
                                         " --speed-tolerance 0.15");
  EXPECT_EQ(code, 0) << out;
  std::tie(code, out) = run_engram_bench("regress --baseline " + files().baseline + " --current " + files().broken);
  EXPECT_EQ(code, 2) << out;
  EXPECT_NE(out.find("field tasks.mmlu.items.ids"), std::string::npos);
}

}  // namespace
}  // namespace engram::testing
