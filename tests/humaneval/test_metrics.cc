// pass@k, stop-string post-processing, program assembly, SHA-256 and the negative-control mutants.

#include <gtest/gtest.h>

#include <cmath>
#include <string>

#include "tasks/humaneval/humaneval.h"
#include "tasks/humaneval/mutants.h"

namespace he = engram::tasks::humaneval;

namespace {

// C(n-c, k) / C(n, k) through log-gamma, as an independent reference.
double pass_at_k_reference(int64_t n, int64_t c, int64_t k) {
  if (n - c < k) return 1.0;
  auto lchoose = [](double a, double b) { return std::lgamma(a + 1) - std::lgamma(b + 1) - std::lgamma(a - b + 1); };
  return 1.0 - std::exp(lchoose(n - c, k) - lchoose(n, k));
}

}  // namespace

TEST(HumanEvalPassAtK, HandComputedValues) {
  // n = 5, c = 2: pass@1 = 1 - 3/5; pass@2 = 1 - C(3,2)/C(5,2) = 1 - 3/10; pass@5 = 1 (n - c < k).
  EXPECT_DOUBLE_EQ(he::pass_at_k(5, 2, 1), 0.4);
  EXPECT_DOUBLE_EQ(he::pass_at_k(5, 2, 2), 0.7);
  EXPECT_DOUBLE_EQ(he::pass_at_k(5, 2, 5), 1.0);
  EXPECT_NEAR(he::pass_at_k(5, 2, 3), 0.9, 1e-15);  // 1 - C(3,3)/C(5,3) = 1 - 1/10
  EXPECT_DOUBLE_EQ(he::pass_at_k(5, 2, 4), 1.0);    // n - c = 3 < 4
}

TEST(HumanEvalPassAtK, NoneAndAllCorrect) {
  for (int64_t k : {1, 2, 5}) {
    EXPECT_DOUBLE_EQ(he::pass_at_k(5, 0, k), 0.0) << "k=" << k;
    EXPECT_DOUBLE_EQ(he::pass_at_k(5, 5, k), 1.0) << "k=" << k;
  }
  EXPECT_DOUBLE_EQ(he::pass_at_k(1, 1, 1), 1.0);
  EXPECT_DOUBLE_EQ(he::pass_at_k(1, 0, 1), 0.0);
}

TEST(HumanEvalPassAtK, MatchesCombinatorialFormulaForLargeN) {
  for (int64_t n : {10, 64, 200}) {
    for (int64_t c : {int64_t{0}, int64_t{1}, n / 7, n / 2, n - 1, n}) {
      for (int64_t k : {int64_t{1}, int64_t{2}, int64_t{8}, n / 2, n}) {
        EXPECT_NEAR(he::pass_at_k(n, c, k), pass_at_k_reference(n, c, k), 1e-12) << n << " " << c << " " << k;
      }
    }
  }
  // pass@1 is the fraction correct.
  EXPECT_NEAR(he::pass_at_k(200, 13, 1), 13.0 / 200.0, 1e-15);
}

TEST(HumanEvalPassAtK, RejectsImpossibleArguments) {
  EXPECT_THROW(he::pass_at_k(5, 6, 1), std::invalid_argument);
  EXPECT_THROW(he::pass_at_k(5, -1, 1), std::invalid_argument);
  EXPECT_THROW(he::pass_at_k(5, 2, 6), std::invalid_argument);
  EXPECT_THROW(he::pass_at_k(5, 2, 0), std::invalid_argument);
  EXPECT_THROW(he::pass_at_k(0, 0, 1), std::invalid_argument);
}

TEST(HumanEvalStopStrings, AreTheProtocolsFive) {
  const std::vector<std::string> expected = {"\nclass", "\ndef", "\n#", "\nif", "\nprint"};
  EXPECT_EQ(he::stop_strings(), expected);
}

TEST(HumanEvalStopStrings, CutAtTheEarliestOccurrence) {
  EXPECT_EQ(he::truncate_at_stop("    return x\n\ndef helper():\n    pass\n"), "    return x\n");
  EXPECT_EQ(he::truncate_at_stop("    return x\nprint(f(1))\n# done\n"), "    return x");
  EXPECT_EQ(he::truncate_at_stop("    y = 1\n# comment\nif __name__ == '__main__':\n"), "    y = 1");
  EXPECT_EQ(he::truncate_at_stop("    return 1\nif True:\n    pass\nclass A: pass\n"), "    return 1");
  EXPECT_EQ(he::truncate_at_stop("    return 1\nclass A:\n    pass\n"), "    return 1");
  // At the very start: nothing is left.
  EXPECT_EQ(he::truncate_at_stop("\ndef g():\n    return 2\n"), "");
  // The stop string itself is never kept.
  EXPECT_EQ(he::truncate_at_stop("a\n#b").find("#"), std::string::npos);
}

TEST(HumanEvalStopStrings, LeaveIndentedCodeAlone) {
  // Indented `if`, `print`, comments and nested defs are part of the body: no stop string matches.
  const std::string body =
      "    if n < 2:\n        return n\n    # recurse\n    print(n)\n    def inner():\n        return 1\n"
      "    return fib(n - 1) + fib(n - 2)\n";
  EXPECT_EQ(he::truncate_at_stop(body), body);
  EXPECT_EQ(he::truncate_at_stop(""), "");
  EXPECT_EQ(he::truncate_at_stop("x = 'if'\n"), "x = 'if'\n");
  // Plain substring semantics (as lm-eval's `until`): "\nclassify" starts with "\nclass".
  EXPECT_EQ(he::truncate_at_stop("    return 1\nclassify = 2\n"), "    return 1");
  EXPECT_EQ(he::truncate_at_stop("    return 1\nifx = 2\n"), "    return 1");
}

TEST(HumanEvalStopStrings, CustomStopsAndIdempotence) {
  EXPECT_EQ(he::truncate_at_stop("abc<END>def", {"<END>"}), "abc");
  EXPECT_EQ(he::truncate_at_stop("abc", {""}), "abc");  // an empty stop string is ignored
  const std::string once = he::truncate_at_stop("    return 0\n\n\ndef f():\n");
  EXPECT_EQ(he::truncate_at_stop(once), once);
}

TEST(HumanEvalProgram, AssembledAsHumanEvalDoes) {
  he::Problem p{"HumanEval/x", "def f(a):\n    \"\"\"doc\"\"\"\n", "    return a\n",
                "\n\ndef check(candidate):\n    assert candidate(1) == 1\n", "f"};
  EXPECT_EQ(he::build_program(p, "    return a\n"),
            "def f(a):\n    \"\"\"doc\"\"\"\n    return a\n\n\n\ndef check(candidate):\n    assert candidate(1) == 1\n\ncheck(f)");
  EXPECT_EQ(he::build_program(p, ""), p.prompt + "\n" + p.test + "\ncheck(f)");
}

TEST(HumanEvalMutants, RemoveLastLine) {
  EXPECT_EQ(he::remove_last_line("    a = 1\n    return a\n"), "    a = 1\n");
  EXPECT_EQ(he::remove_last_line("    a = 1\n    return a\n\n  \n"), "    a = 1\n");
  EXPECT_EQ(he::remove_last_line("    return 1"), "");
  EXPECT_EQ(he::remove_last_line("\n \n"), std::nullopt);
}

TEST(HumanEvalMutants, OffByOneWrapsEveryCompleteReturn) {
  EXPECT_EQ(he::inject_off_by_one("    return x\n"), "    return (x) + 1\n");
  EXPECT_EQ(he::inject_off_by_one("    if a: return 1\n    return a  # done\n"), "    if a: return 1\n    return (a) + 1  # done\n");
  EXPECT_EQ(he::inject_off_by_one("    return 'return #'\n"), "    return ('return #') + 1\n");
  EXPECT_EQ(he::inject_off_by_one("    for i in x:\n        return i\n    return -1\n"),
            "    for i in x:\n        return (i) + 1\n    return (-1) + 1\n");
  EXPECT_EQ(he::inject_off_by_one("    return a; b = 2\n"), "    return (a) + 1; b = 2\n");
  // Multi-line expressions, continuations, bare returns and `return` inside strings are left alone.
  EXPECT_EQ(he::inject_off_by_one("    return (a +\n            b)\n"), std::nullopt);
  EXPECT_EQ(he::inject_off_by_one("    return a + \\\n        b\n"), std::nullopt);
  EXPECT_EQ(he::inject_off_by_one("    return\n"), std::nullopt);
  EXPECT_EQ(he::inject_off_by_one("    s = \"\"\"\nreturn x\n\"\"\"\n"), std::nullopt);
  EXPECT_EQ(he::inject_off_by_one("    returned = 1\n"), std::nullopt);
}
