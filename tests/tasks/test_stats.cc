// Means and standard errors against hand-computed values, with lm-eval's conventions: sample std
// with n - 1, stderr = std / sqrt(n), the pooled group stderr, and a seeded bootstrap.
#include <gtest/gtest.h>

#include <cmath>

#include "tasks/stats.h"

namespace engram::tasks {
namespace {

TEST(Stats, MeanStderrUsesSampleStd) {
  // {1,0,1,1}: mean 0.75; squared deviations sum to 0.75; / (n-1) = 0.25; std 0.5; / sqrt(4) = 0.25.
  const std::vector<double> xs = {1, 0, 1, 1};
  EXPECT_DOUBLE_EQ(mean(xs), 0.75);
  EXPECT_DOUBLE_EQ(sample_stddev(xs), 0.5);
  EXPECT_DOUBLE_EQ(mean_stderr(xs), 0.25);
  // The 0/1 closed form sqrt(p(1-p)/(n-1)) gives the same.
  EXPECT_DOUBLE_EQ(mean_stderr(xs), std::sqrt(0.75 * 0.25 / 3));
}

TEST(Stats, MeanStderrNonBinary) {
  // {2,4,4,4,5,5,7,9}: mean 5, squared deviations 32, variance 32/7, stderr sqrt(32/7/8) = sqrt(4/7).
  const std::vector<double> xs = {2, 4, 4, 4, 5, 5, 7, 9};
  EXPECT_DOUBLE_EQ(mean(xs), 5.0);
  EXPECT_NEAR(mean_stderr(xs), std::sqrt(4.0 / 7.0), 1e-15);
  EXPECT_NEAR(mean_stderr(xs), 0.7559289460184544, 1e-15);
}

TEST(Stats, UndefinedCasesAreNaN) {
  EXPECT_TRUE(std::isnan(mean({})));
  EXPECT_TRUE(std::isnan(mean_stderr({1.0})));
  EXPECT_TRUE(std::isnan(size_weighted_mean({})));
  EXPECT_TRUE(std::isnan(pooled_stderr({})));
  EXPECT_DOUBLE_EQ(mean_stderr({1, 1, 1}), 0.0);
}

TEST(Stats, PooledStderrAsLmEval) {
  // A: {1,0,1,1} -> 0.75 +- 0.25 (n 4); B: {1,0} -> 0.5 +- 0.5 (n 2).
  // pooled = sqrt( (3*4*0.25^2 + 1*2*0.5^2) / (6 - 2) / 6 ) = sqrt(1.25 / 24).
  const std::vector<SubtaskSummary> parts = {{0.75, 0.25, 4}, {0.5, 0.5, 2}};
  EXPECT_NEAR(pooled_stderr(parts), std::sqrt(1.25 / 24.0), 1e-15);
  EXPECT_NEAR(pooled_stderr(parts), 0.22821773229381923, 1e-15);
  // Size-weighted (micro) mean: (0.75*4 + 0.5*2) / 6; macro: (0.75 + 0.5) / 2.
  EXPECT_DOUBLE_EQ(size_weighted_mean(parts), 4.0 / 6.0);
  EXPECT_DOUBLE_EQ(macro_mean(parts), 0.625);
}

TEST(Stats, PooledStderrOfOnePartIsItsStderr) {
  EXPECT_NEAR(pooled_stderr({{0.3, 0.0123, 250}}), 0.0123, 1e-15);
}

TEST(Stats, PooledStderrEqualSizesMatchesConcatenationWhenMeansAgree) {
  // Two subtasks with the same mean: pooling equals the stderr over the concatenated samples up to
  // the degrees of freedom lm-eval uses (sum n - k instead of sum n - 1).
  const std::vector<double> a = {1, 0, 1, 0}, b = {0, 1, 0, 1};
  const std::vector<SubtaskSummary> parts = {{mean(a), mean_stderr(a), 4}, {mean(b), mean_stderr(b), 4}};
  // Each: var 1/3, se^2 = 1/12. Pooled var = (3*4/12 + 3*4/12) / (8 - 2) = 1/3; / 8 -> sqrt(1/24).
  EXPECT_NEAR(pooled_stderr(parts), std::sqrt(1.0 / 24.0), 1e-15);
}

TEST(Stats, BootstrapIsSeededAndConverges) {
  std::vector<double> xs;
  for (int i = 0; i < 200; ++i) xs.push_back(i % 10 < 3 ? 1.0 : 0.0);  // p = 0.3
  const auto stat = [](const std::vector<double>& v) { return mean(v); };
  const double a = bootstrap_stderr(xs, stat, 4000, 7);
  const double b = bootstrap_stderr(xs, stat, 4000, 7);
  const double c = bootstrap_stderr(xs, stat, 4000, 8);
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  // The bootstrap of a mean estimates sqrt(p(1-p)/n) (the population form): 0.0324.
  EXPECT_NEAR(a, std::sqrt(0.3 * 0.7 / 200), 0.003);
  EXPECT_TRUE(std::isnan(bootstrap_stderr({}, stat, 10, 1)));
}

}  // namespace
}  // namespace engram::tasks
