// MMLU end to end on the shared data: counts, lm-eval's prompt format, and the oracle validations
// (gold-preferring -> 100% over all 14,042 questions; always " A" -> exactly the share of A answers,
// per subject, per category and overall).
#include <gtest/gtest.h>

#include <map>
#include <unordered_map>

#include "tasks/evaluator.h"
#include "tasks/mmlu_task.h"
#include "tasks/oracle_model.h"
#include "tasks/registry.h"
#include "tasks/text.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

using testing::datasets_dir;

const std::vector<MmluSubjectData>& shared_mmlu() {
  static const std::vector<MmluSubjectData> data = load_mmlu(datasets_dir());
  return data;
}

// Made-up questions (not MMLU's) for format checks without the data.
MmluSubjectData synthetic_subject(const std::string& subject, size_t n_test) {
  MmluSubjectData d;
  d.subject = subject;
  for (size_t i = 0; i < 5; ++i) {
    MmluQuestion q;
    q.question = " Dev question " + std::to_string(i) + "? ";
    for (int c = 0; c < 4; ++c) q.choices[c] = "d" + std::to_string(i) + std::string(1, static_cast<char>('a' + c));
    q.answer = static_cast<int>(i % 4);
    d.dev.questions.push_back(q);
  }
  for (size_t i = 0; i < n_test; ++i) {
    MmluQuestion q;
    q.question = "Test question " + std::to_string(i) + "?";
    for (int c = 0; c < 4; ++c) q.choices[c] = "t" + std::to_string(c);
    q.answer = static_cast<int>((i * 3) % 4);
    d.test.questions.push_back(q);
  }
  return d;
}

TEST(Mmlu, PromptFormatIsLmEvals) {
  const MmluTask task(MmluTaskConfig{}, {synthetic_subject("high_school_us_history", 1)});
  // Header with underscores replaced (one space after "about"), 5 dev shots each ending in
  // "Answer: X" and a blank line, question stripped, choices as given, "Answer:" last.
  const auto inst = task.instances(std::nullopt).at(0);
  EXPECT_EQ(inst.context,
            "The following are multiple choice questions (with answers) about high school us history.\n\n"
            "Dev question 0?\nA. d0a\nB. d0b\nC. d0c\nD. d0d\nAnswer: A\n\n"
            "Dev question 1?\nA. d1a\nB. d1b\nC. d1c\nD. d1d\nAnswer: B\n\n"
            "Dev question 2?\nA. d2a\nB. d2b\nC. d2c\nD. d2d\nAnswer: C\n\n"
            "Dev question 3?\nA. d3a\nB. d3b\nC. d3c\nD. d3d\nAnswer: D\n\n"
            "Dev question 4?\nA. d4a\nB. d4b\nC. d4c\nD. d4d\nAnswer: A\n\n"
            "Test question 0?\nA. t0\nB. t1\nC. t2\nD. t3\nAnswer:");
  EXPECT_EQ(task.render_prompt("high_school_us_history", synthetic_subject("x", 1).test.questions[0]), inst.context);
  EXPECT_EQ(inst.continuations, (std::vector<std::string>{" A", " B", " C", " D"}));
  EXPECT_EQ(inst.type, RequestType::loglikelihood);
  EXPECT_EQ(inst.gold, 0u);
  EXPECT_EQ(inst.target, "A");
}

TEST(Mmlu, PromptFormatOnRealSubject) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "mmlu");
  // The rendered prompt of abstract_algebra's first test question, rebuilt here from the protocol's
  // strings and the loaded fields.
  const auto data = load_mmlu(datasets_dir(), {"abstract_algebra"});
  const MmluTask task(MmluTaskConfig{}, data);
  const auto& dev = data[0].dev.questions;
  const auto& test = data[0].test.questions;
  const char* letters[] = {"A", "B", "C", "D"};
  auto block = [&](const MmluQuestion& q) {
    return py_strip(q.question) + "\nA. " + q.choices[0] + "\nB. " + q.choices[1] + "\nC. " + q.choices[2] + "\nD. " +
           q.choices[3] + "\nAnswer:";
  };
  std::string expected = "The following are multiple choice questions (with answers) about abstract algebra.\n\n";
  for (const auto& q : dev) expected += block(q) + " " + letters[q.answer] + "\n\n";
  expected += block(test[0]);
  const auto instances = task.instances(1);
  ASSERT_EQ(instances.size(), 1u);
  EXPECT_EQ(instances[0].context, expected);
  EXPECT_EQ(instances[0].context.rfind("The following are multiple choice questions (with answers) about abstract "
                                       "algebra.\n\n",
                                       0),
            0u);
  EXPECT_EQ(dev.size(), 5u);
  EXPECT_EQ(test[0].answer, 1);  // the first test row's answer is B in the shared export
}

TEST(Mmlu, CountsMatchManifest) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "mmlu");
  const auto& data = shared_mmlu();
  ASSERT_EQ(data.size(), 57u);
  std::map<std::string, size_t> n;
  size_t total = 0;
  for (const auto& d : data) {
    EXPECT_EQ(d.dev.questions.size(), 5u) << d.subject;
    EXPECT_EQ(d.dev.layout, MmluCsvLayout::header_index);
    n[d.subject] = d.test.questions.size();
    total += d.test.questions.size();
  }
  EXPECT_EQ(total, 14042u);
  // Spot checks from MANIFEST.md.
  EXPECT_EQ(n["professional_law"], 1534u);
  EXPECT_EQ(n["moral_scenarios"], 895u);
  EXPECT_EQ(n["miscellaneous"], 783u);
  EXPECT_EQ(n["abstract_algebra"], 100u);
  EXPECT_EQ(n["high_school_psychology"], 545u);
  EXPECT_EQ(n["elementary_mathematics"], 378u);
}

TEST(Mmlu, OracleGoldScores100OnAll14042) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "mmlu");
  const MmluTask task(MmluTaskConfig{}, shared_mmlu());
  std::unordered_map<std::string, std::string> gold;
  const auto instances = task.instances(std::nullopt);
  ASSERT_EQ(instances.size(), 14042u);
  for (const auto& inst : instances) {
    const auto [it, inserted] = gold.emplace(inst.context, inst.continuations[inst.gold]);
    // A repeated prompt must have the same gold answer, or no model could score 100%.
    EXPECT_EQ(it->second, inst.continuations[inst.gold]) << inst.doc_id;
  }
  // 27 test questions occur twice within their subject (same prompt, same answer).
  EXPECT_EQ(gold.size(), 14042u - 27u);
  auto model = OracleModel::from_maps(std::move(gold));
  EvaluateOptions no_samples;
  no_samples.log_samples = false;
  const auto out = evaluate(model, std::vector<const Task*>{&task}, no_samples);
  const auto& r = out["results"]["mmlu"];
  EXPECT_EQ(out["requests"]["loglikelihood"], 4 * 14042);
  EXPECT_EQ(r["n"], 14042);
  EXPECT_EQ(r["metrics"]["acc,none"]["value"].get<double>(), 1.0);
  for (const auto& g : {"stem", "humanities", "social_sciences", "other"}) {
    EXPECT_EQ(r["groups"][g]["metrics"]["acc,none"]["value"].get<double>(), 1.0) << g;
  }
  for (const auto& s : mmlu_subjects()) EXPECT_EQ(r["subtask_results"][s]["metrics"]["acc,none"]["value"], 1.0) << s;
}

TEST(Mmlu, AlwaysAScoresTheShareOfA) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "mmlu");
  const MmluTask task(MmluTaskConfig{}, shared_mmlu());
  OracleModel always_a([](const std::string&) { return std::optional<std::string>(" A"); });
  const auto out = evaluate(always_a, std::vector<const Task*>{&task});
  const auto& r = out["results"]["mmlu"];
  size_t total_a = 0, total = 0;
  std::map<std::string, std::pair<size_t, size_t>> by_category;  // category -> (A count, n)
  for (const auto& d : shared_mmlu()) {
    size_t a = 0;
    for (const auto& q : d.test.questions) a += q.answer == 0 ? 1 : 0;
    const double expected = static_cast<double>(a) / static_cast<double>(d.test.questions.size());
    EXPECT_EQ(r["subtask_results"][d.subject]["metrics"]["acc,none"]["value"].get<double>(), expected) << d.subject;
    total_a += a;
    total += d.test.questions.size();
    auto& c = by_category[mmlu_category_of(d.subject)];
    c.first += a;
    c.second += d.test.questions.size();
  }
  EXPECT_EQ(total_a, 3222u);  // the A share of the shared test split: 3222 / 14042
  size_t scored = 0;
  for (const auto& s : out["samples"]["mmlu"]) scored += s["metrics"]["acc,none"].get<double>() == 1.0 ? 1 : 0;
  EXPECT_EQ(scored, total_a);
  // Group values are sum(v_i n_i) / sum(n_i), exact up to floating-point rounding.
  EXPECT_DOUBLE_EQ(r["metrics"]["acc,none"]["value"].get<double>(), static_cast<double>(total_a) / total);
  for (const auto& [category, c] : by_category) {
    EXPECT_DOUBLE_EQ(r["groups"][category]["metrics"]["acc,none"]["value"].get<double>(),
                     static_cast<double>(c.first) / static_cast<double>(c.second))
        << category;
    EXPECT_EQ(r["groups"][category]["n"], c.second);
  }
}

TEST(Mmlu, RegistryCategorySelectionAndShots) {
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "mmlu");
  TaskOptions options;
  options.data_dir = datasets_dir();
  const TaskOptions five_shot = options;
  const auto stem = TaskRegistry::builtin().create("mmlu:stem+philosophy", options);
  EXPECT_EQ(stem->subtasks().size(), 20u);
  options.mmlu.num_fewshot = 0;
  const auto zero = TaskRegistry::builtin().create("mmlu:anatomy", options);
  const auto ctx = zero->instances(1)[0].context;
  EXPECT_EQ(ctx.find("Answer: "), std::string::npos);  // no shots
  EXPECT_NE(zero->fingerprint(), TaskRegistry::builtin().create("mmlu:anatomy", five_shot)->fingerprint());
}

}  // namespace
}  // namespace engram::tasks
