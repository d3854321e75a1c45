// The regression gate on hand-made report pairs with known differences.
#include <gtest/gtest.h>

#include <random>

#include <nlohmann/json.hpp>

#include "harness/report/regress.h"
#include "compare_fixtures.h"

namespace engram::report {
namespace {

using testing::make_binary_pair;
using testing::make_report;
using testing::make_speed_row;
using testing::make_task;

const RegressFinding& finding(const RegressResult& r, const std::string& row, const std::string& metric = "") {
  for (const RegressFinding& f : r.findings) {
    if (f.row == row && (metric.empty() || f.metric == metric)) return f;
  }
  throw std::runtime_error("no finding for " + row);
}

RegressResult gate(const nlohmann::json& baseline, const nlohmann::json& current, RegressOptions options = {}) {
  options.bootstrap.resamples = 2000;
  return regress(parse_report(baseline, "baseline.json"), parse_report(current, "current.json"), options);
}

TEST(Regress, RealAccuracyDropIsFlagged) {
  const auto pair = make_binary_pair(200, 40, 5, 42);
  const auto result = gate(make_report("m", {{"mmlu", make_task("mmlu", "acc,none", pair.a)}}),
                           make_report("m", {{"mmlu", make_task("mmlu", "acc,none", pair.b)}}));
  EXPECT_TRUE(result.failed());
  const RegressFinding& f = finding(result, "mmlu");
  EXPECT_EQ(f.verdict, "regression");
  EXPECT_EQ(f.test, "mcnemar-exact");
  EXPECT_EQ(f.pairs, 200u);
  ASSERT_TRUE(f.flips);
  EXPECT_EQ(f.flips->one_to_zero, 40);
  EXPECT_NEAR(*f.delta, -35.0 / 200.0, 1e-12);
  EXPECT_NE(f.reason.find("Holm"), std::string::npos);
}

TEST(Regress, NoiseIsNotFlagged) {
  const auto pair = make_binary_pair(200, 10, 8, 43);
  const auto result = gate(make_report("m", {{"mmlu", make_task("mmlu", "acc,none", pair.a)}}),
                           make_report("m", {{"mmlu", make_task("mmlu", "acc,none", pair.b)}}));
  EXPECT_FALSE(result.failed());
  EXPECT_EQ(finding(result, "mmlu").verdict, "ok");
  EXPECT_GT(*finding(result, "mmlu").p_value, 0.5);
}

TEST(Regress, ImprovementDoesNotFail) {
  const auto pair = make_binary_pair(200, 5, 40, 44);
  const auto result = gate(make_report("m", {{"bbh", make_task("bbh", "exact_match,get-answer", pair.a)}}),
                           make_report("m", {{"bbh", make_task("bbh", "exact_match,get-answer", pair.b)}}));
  EXPECT_FALSE(result.failed());
  EXPECT_EQ(finding(result, "bbh").verdict, "improvement");
}

TEST(Regress, HolmCorrectionAcrossTasksSparesABorderlineDrop) {
  // Alone, b = 10, c = 2 (p = 0.0386) fails at 0.05; beside two unchanged tasks Holm multiplies it by 3.
  const auto drop = make_binary_pair(100, 10, 2, 45);
  const auto same = make_binary_pair(100, 0, 0, 46);
  nlohmann::json base = {{"a", make_task("a", "acc,none", drop.a)}};
  nlohmann::json cur = {{"a", make_task("a", "acc,none", drop.b)}};
  EXPECT_TRUE(gate(make_report("m", base), make_report("m", cur)).failed());
  for (const char* name : {"b", "c"}) {
    base[name] = make_task(name, "acc,none", same.a);
    cur[name] = make_task(name, "acc,none", same.b);
  }
  const auto result = gate(make_report("m", base), make_report("m", cur));
  EXPECT_FALSE(result.failed());
  EXPECT_NEAR(*finding(result, "a").p_holm, 3 * mcnemar_exact_p(10, 2), 1e-12);
}

TEST(Regress, ContinuousMetricUsesThePairedBootstrap) {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0.2, 0.8);
  std::vector<double> a, b;
  for (int i = 0; i < 150; ++i) {
    a.push_back(u(rng));
    b.push_back(a.back() - 0.1 + 0.05 * (u(rng) - 0.5));
  }
  const auto result = gate(make_report("m", {{"f1", make_task("f1", "f1,none", a)}}),
                           make_report("m", {{"f1", make_task("f1", "f1,none", b)}}));
  EXPECT_EQ(finding(result, "f1").test, "paired-bootstrap");
  EXPECT_TRUE(result.failed());
}

TEST(Regress, SpeedDropBeyondToleranceFails) {
  const nlohmann::json tasks = nlohmann::json::object();
  const auto slow = gate(make_report("m", tasks, {make_speed_row("m", 100.0)}), make_report("m", tasks, {make_speed_row("m", 90.0)}));
  EXPECT_TRUE(slow.failed());
  const RegressFinding& f = finding(slow, slow.findings.front().row, "decode_tok_s");
  EXPECT_EQ(f.verdict, "regression");
  EXPECT_NEAR(*f.delta, -0.10, 1e-12);
  EXPECT_NE(f.reason.find("-10.00%"), std::string::npos);
  const auto noise = gate(make_report("m", tasks, {make_speed_row("m", 100.0)}), make_report("m", tasks, {make_speed_row("m", 98.0)}));
  EXPECT_FALSE(noise.failed());
  // The prefill rate is unchanged in both pairs.
  EXPECT_EQ(finding(noise, noise.findings.front().row, "prefill_tok_s").verdict, "ok");
}

TEST(Regress, FingerprintMismatchIsReportedNotTestedUnlessStrict) {
  const auto pair = make_binary_pair(200, 40, 5, 47);
  const auto base = make_report("m", {{"mmlu", make_task("mmlu", "acc,none", pair.a, "fp-old")}});
  const auto cur = make_report("m", {{"mmlu", make_task("mmlu", "acc,none", pair.b, "fp-new")}});
  const auto lenient = gate(base, cur);
  EXPECT_FALSE(lenient.failed());
  EXPECT_EQ(finding(lenient, "mmlu").verdict, "protocol mismatch");
  EXPECT_FALSE(finding(lenient, "mmlu").p_value);
  RegressOptions strict;
  strict.strict_protocol = true;
  EXPECT_TRUE(gate(base, cur, strict).failed());
}

TEST(Regress, JsonOutputCarriesTheVerdictPerRow) {
  const auto pair = make_binary_pair(200, 40, 5, 48);
  const auto result = gate(make_report("m", {{"mmlu", make_task("mmlu", "acc,none", pair.a)}}),
                           make_report("m", {{"mmlu", make_task("mmlu", "acc,none", pair.b)}}));
  const nlohmann::json j = regress_json(result, "b.json", "c.json");
  EXPECT_TRUE(j.at("failed").get<bool>());
  EXPECT_EQ(j.at("correction"), "holm");
  EXPECT_EQ(j.at("rows").at(0).at("verdict"), "regression");
  EXPECT_EQ(j.at("rows").at(0).at("flips").at("one_to_zero"), 40);
  const std::string md = render_regress_markdown(result, "b.json", "c.json");
  EXPECT_EQ(md.rfind("REGRESSION", 0), 0u);
}

}  // namespace
}  // namespace engram::report
