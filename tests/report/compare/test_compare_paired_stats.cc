// Paired statistics against values computed by hand.
#include <gtest/gtest.h>

#include <random>

#include "harness/report/paired_stats.h"
#include "compare_fixtures.h"

namespace engram::report {
namespace {

TEST(McNemar, ExactTwoSidedMatchesTheBinomialByHand) {
  // b = 10, c = 2: 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 2 * 79 / 4096.
  EXPECT_NEAR(mcnemar_exact_p(10, 2), 158.0 / 4096.0, 1e-12);
  EXPECT_NEAR(mcnemar_exact_p(10, 2), 0.0386, 5e-5);
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(2, 10), mcnemar_exact_p(10, 2));
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(0, 0), 1.0);
  EXPECT_DOUBLE_EQ(mcnemar_exact_p(5, 5), 1.0);  // 2 * P(X <= 5 | 10) > 1 is capped
  // b = 40, c = 5: 2 * (1 + 45 + 990 + 14190 + 148995 + 1221759) / 2^45.
  EXPECT_NEAR(mcnemar_exact_p(40, 5), 2.0 * 1385980.0 / 35184372088832.0, 1e-15);
}

TEST(McNemar, MidPSubtractsHalfTheObservedTermTwice) {
  // 2 * (79 - 66 / 2) / 4096 = 92 / 4096.
  EXPECT_NEAR(mcnemar_mid_p(10, 2), 92.0 / 4096.0, 1e-12);
  EXPECT_LT(mcnemar_mid_p(10, 2), mcnemar_exact_p(10, 2));
}

TEST(McNemar, LargeCountsStayFiniteAndOrdered) {
  const double p = mcnemar_exact_p(5200, 4800);
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 0.01);  // z = 400 / 100 = 4
  EXPECT_GT(mcnemar_exact_p(5020, 4980), 0.6);
}

TEST(Flips, CountsEachTransition) {
  const FlipCounts f = count_flips({1, 1, 0, 0, 1}, {1, 0, 1, 0, 0});
  EXPECT_EQ(f.both_one, 1);
  EXPECT_EQ(f.one_to_zero, 2);
  EXPECT_EQ(f.zero_to_one, 1);
  EXPECT_EQ(f.both_zero, 1);
}

TEST(PairedBootstrap, IdenticalRunsGiveNoDifference) {
  const std::vector<double> a = {0.1, 0.5, 0.9, 0.3};
  const BootstrapResult r = paired_bootstrap(a, a, {2000, 1, 0.95});
  EXPECT_DOUBLE_EQ(r.mean_difference, 0);
  EXPECT_DOUBLE_EQ(r.ci_low, 0);
  EXPECT_DOUBLE_EQ(r.ci_high, 0);
  EXPECT_DOUBLE_EQ(r.p_value, 1);
}

TEST(PairedBootstrap, ConstantShiftIsCertain) {
  std::vector<double> a, b;
  for (int i = 0; i < 50; ++i) a.push_back(0.01 * i), b.push_back(0.01 * i + 0.2);
  const BootstrapResult r = paired_bootstrap(a, b, {999, 3, 0.95});
  EXPECT_NEAR(r.mean_difference, 0.2, 1e-12);
  EXPECT_NEAR(r.ci_low, 0.2, 1e-12);
  EXPECT_NEAR(r.ci_high, 0.2, 1e-12);
  EXPECT_NEAR(r.p_value, 1.0 / 1000.0, 1e-12);
}

TEST(PairedBootstrap, SeededAndSensitiveToRealShiftsOnly) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 1.0);
  std::vector<double> a, same, shifted;
  for (int i = 0; i < 300; ++i) {
    const double base = noise(rng);
    a.push_back(base);
    same.push_back(base + 0.3 * noise(rng));
    shifted.push_back(base - 0.2 + 0.3 * noise(rng));
  }
  const BootstrapResult r1 = paired_bootstrap(a, shifted, {4000, 11, 0.95});
  const BootstrapResult r2 = paired_bootstrap(a, shifted, {4000, 11, 0.95});
  EXPECT_DOUBLE_EQ(r1.p_value, r2.p_value);
  EXPECT_DOUBLE_EQ(r1.ci_low, r2.ci_low);
  EXPECT_LT(r1.p_value, 0.001);
  EXPECT_LT(r1.ci_high, 0);
  const BootstrapResult r3 = paired_bootstrap(a, same, {4000, 11, 0.95});
  EXPECT_GT(r3.p_value, 0.05);
  EXPECT_LT(r3.ci_low, 0);
  EXPECT_GT(r3.ci_high, 0);
}

TEST(PairedTest, ChoosesMcNemarForBinaryAndBootstrapOtherwise) {
  const auto pair = testing::make_binary_pair(200, 40, 5, 1);
  const PairedTest binary = paired_test(pair.a, pair.b, {1000, 0, 0.95});
  EXPECT_EQ(binary.test, "mcnemar-exact");
  ASSERT_TRUE(binary.flips);
  EXPECT_EQ(binary.flips->one_to_zero, 40);
  EXPECT_EQ(binary.flips->zero_to_one, 5);
  EXPECT_NEAR(binary.p_value, mcnemar_exact_p(40, 5), 1e-15);
  EXPECT_NEAR(binary.mean_difference, -35.0 / 200.0, 1e-12);
  const PairedTest graded = paired_test({0.5, 0.25, 1}, {0.75, 0.25, 1}, {1000, 0, 0.95});
  EXPECT_EQ(graded.test, "paired-bootstrap");
  EXPECT_FALSE(graded.flips);
}

TEST(Holm, StepDownAdjustmentByHand) {
  // Sorted 0.01, 0.03, 0.04 -> 3 * 0.01 = 0.03, 2 * 0.03 = 0.06, max(0.06, 1 * 0.04) = 0.06.
  const std::vector<double> adjusted = holm_adjust({0.01, 0.04, 0.03});
  EXPECT_NEAR(adjusted[0], 0.03, 1e-15);
  EXPECT_NEAR(adjusted[1], 0.06, 1e-15);
  EXPECT_NEAR(adjusted[2], 0.06, 1e-15);
  EXPECT_DOUBLE_EQ(holm_adjust({0.9, 0.8})[0], 1.0);
}

}  // namespace
}  // namespace engram::report
