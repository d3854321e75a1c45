// The crash-safe journal: exact round trips, torn lines (accepted only last, cut before the next
// append), content keys that ignore the batch size, and a run interrupted at any chunk that resumes
// into the very results of an uninterrupted run.
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <stdexcept>

#include "tasks/bbh_task.h"
#include "tasks/evaluator.h"
#include "tasks/journal.h"
#include "tasks/mmlu_task.h"
#include "tasks/oracle_model.h"
#include "tasks_test_util.h"

namespace engram::tasks {
namespace {

using testing::fruit;
using testing::subject;

// A deterministic model whose answers depend on the prompt only (like a real greedy model), with
// irrational log-probabilities so that any loss of precision in the journal would show. It can be
// told to fail after a number of calls, which is what a crash looks like to the evaluator.
class PromptHashModel : public LanguageModel {
 public:
  explicit PromptHashModel(int64_t batch_size = 8, int fail_after_calls = -1)
      : batch_size_(batch_size), fail_after_calls_(fail_after_calls) {}

  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests) override {
    count_call();
    count_requests(requests.size());
    std::vector<LoglikelihoodResult> out;
    for (const auto& r : requests) {
      const double h = static_cast<double>(std::hash<std::string>{}(r.context + "|" + r.continuation) % 100003);
      out.push_back({-std::sqrt(h + 0.5) / 3.0, h < 30000, 1});
    }
    return out;
  }
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts) override {
    return std::vector<double>(texts.size(), -1.0);
  }
  std::vector<GenerationResult> generate_until(const std::vector<GenerationRequest>& requests) override {
    count_call();
    count_requests(requests.size());
    std::vector<GenerationResult> out;
    for (const auto& r : requests) {
      const size_t h = std::hash<std::string>{}(r.context);
      GenerationResult g;
      // Every third answer is right, every fifth is not valid UTF-8.
      g.text = h % 3 == 0 ? "So the answer is 2." : (h % 5 == 0 ? std::string("bad \xC3(") : "no idea");
      g.tokens = static_cast<int64_t>(h % 17);
      g.hit_stop = h % 2 == 0;
      out.push_back(g);
    }
    return out;
  }
  std::vector<int64_t> encode(const std::string& s) const override { return std::vector<int64_t>(s.size(), 1); }
  std::string decode(const std::vector<int64_t>& ids) const override { return std::string(ids.size(), 'x'); }
  int64_t max_length() const override { return 4096; }
  nlohmann::json describe() const override { return {{"name", "prompt-hash"}, {"batch_size", batch_size_}}; }

  int calls = 0;
  size_t answered = 0;  // requests the model actually computed

 private:
  void count_call() {
    if (fail_after_calls_ >= 0 && calls >= fail_after_calls_) throw std::runtime_error("simulated crash");
    ++calls;
  }
  void count_requests(size_t n) { answered += n; }
  int64_t batch_size_;
  int fail_after_calls_;
};

struct Suite {
  BbhTask bbh{bbh_config(BbhVariant::cot_fewshot), {fruit("alpha"), fruit("beta"), fruit("gamma")}};
  MmluTask mmlu{MmluTaskConfig{}, {subject("anatomy", 9), subject("philosophy", 7)}};
  std::vector<const Task*> list() const { return {&bbh, &mmlu}; }
};

// What may differ between an interrupted-and-resumed run and an uninterrupted one: the journal's
// reuse counts and the batch size in the model description.
nlohmann::json without_journal_stats(nlohmann::json result) {
  result.erase("journal");
  result["model"].erase("batch_size");
  return result;
}

// A whole evaluation by a fresh model into a fresh journal at `path`.
nlohmann::json evaluate_into_journal(const Suite& suite, const std::filesystem::path& path) {
  Journal journal(path);
  EvaluateOptions options;
  options.journal = &journal;
  PromptHashModel model;
  return evaluate(model, suite.list(), options);
}

TEST(Journal, ResponsesRoundTripExactly) {
  InstanceResponse r;
  r.loglikelihoods = {{-0.1 - 1e-17, true, 3}, {-123.456789012345678, false, 7}};
  r.generation = {std::string("caf\xC3\xA9 and a torn \xE2\x82", 21), true, false, 9};
  const InstanceResponse back = response_from_json(nlohmann::json::parse(response_to_json(r).dump()));
  ASSERT_EQ(back.loglikelihoods.size(), 2u);
  EXPECT_EQ(back.loglikelihoods[0].logprob, r.loglikelihoods[0].logprob);
  EXPECT_EQ(back.loglikelihoods[1].logprob, r.loglikelihoods[1].logprob);
  EXPECT_EQ(back.loglikelihoods[1].tokens, 7);
  EXPECT_EQ(back.generation.text, r.generation.text);
  EXPECT_TRUE(back.generation.hit_stop);
  EXPECT_EQ(back.generation.tokens, 9);
  EXPECT_FALSE(back.generation.prompt_truncated);
  EXPECT_FALSE(back.loglikelihoods[0].prompt_truncated);

  // Prompts the model cut to its window stay counted after a resume or a rescore.
  r.loglikelihoods[1].prompt_truncated = true;
  r.generation.prompt_truncated = true;
  const InstanceResponse cut = response_from_json(nlohmann::json::parse(response_to_json(r).dump()));
  EXPECT_FALSE(cut.loglikelihoods[0].prompt_truncated);
  EXPECT_TRUE(cut.loglikelihoods[1].prompt_truncated);
  EXPECT_TRUE(cut.generation.prompt_truncated);
}

TEST(Journal, ResumeAfterACrashAtEveryChunkGivesTheUninterruptedResults) {
  Suite suite;
  PromptHashModel reference_model;
  EvaluateOptions plain;
  plain.chunk_instances = 4;
  const nlohmann::json reference = evaluate(reference_model, suite.list(), plain);
  const int total_calls = reference_model.calls;
  ASSERT_GT(total_calls, 4);

  for (int crash_after = 0; crash_after < total_calls; ++crash_after) {
    testing::ScratchDir dir;
    const auto path = dir.path() / "journal.jsonl";
    EvaluateOptions options = plain;
    {
      Journal journal(path);
      options.journal = &journal;
      PromptHashModel crashing(8, crash_after);
      EXPECT_THROW(evaluate(crashing, suite.list(), options), std::runtime_error) << crash_after;
    }
    Journal journal(path);
    options.journal = &journal;
    options.chunk_instances = 3;  // a different chunking, and a different batch size below
    PromptHashModel resumed(2);
    const nlohmann::json result = evaluate(resumed, suite.list(), options);
    EXPECT_TRUE(without_journal_stats(result) == without_journal_stats(reference)) << "crash after call " << crash_after;
    if (crash_after > 0) {
      EXPECT_GT(result["journal"]["reused"].get<size_t>(), 0u) << crash_after;
    }
    if (crash_after > 0) {
      EXPECT_LT(resumed.answered, reference_model.answered) << "nothing was reused after call " << crash_after;
    }
  }
}

TEST(Journal, AFinishedJournalAnswersEverythingAndRescoresWithoutTheModel) {
  Suite suite;
  testing::ScratchDir dir;
  const auto path = dir.path() / "j.jsonl";
  const nlohmann::json first = evaluate_into_journal(suite, path);
  EXPECT_EQ(first["journal"]["reused"], 0);
  Journal journal(path);
  EvaluateOptions options;
  options.journal = &journal;
  PromptHashModel never_called(8, 0);  // throws on any call
  const nlohmann::json again = evaluate(never_called, suite.list(), options);
  EXPECT_TRUE(without_journal_stats(again) == without_journal_stats(first));
  const nlohmann::json rescored = rescore_from_journal(suite.list(), options);
  EXPECT_TRUE(without_journal_stats(rescored) == without_journal_stats(first));
}

TEST(Journal, RescoringAnUnfinishedJournalSaysWhatIsMissing) {
  Suite suite;
  testing::ScratchDir dir;
  const auto path = dir.path() / "j.jsonl";
  {
    Journal journal(path);
    EvaluateOptions options;
    options.journal = &journal;
    options.chunk_instances = 5;
    PromptHashModel crashing(8, 1);
    EXPECT_THROW(evaluate(crashing, suite.list(), options), std::runtime_error);
  }
  Journal journal(path);
  EvaluateOptions options;
  options.journal = &journal;
  try {
    rescore_from_journal(suite.list(), options);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("have no response in the journal"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path.string()), std::string::npos) << e.what();
  }
}

TEST(Journal, KeysIgnoreBatchSizeButNotTheModelOrDecoding) {
  Suite suite;
  const Instance inst = suite.bbh.instances(1).front();
  const std::string a = journal_key(model_fingerprint(PromptHashModel(1)), suite.bbh, inst);
  EXPECT_EQ(a, journal_key(model_fingerprint(PromptHashModel(64)), suite.bbh, inst));
  EXPECT_NE(a, journal_key("another model", suite.bbh, inst));
  Instance longer = inst;
  longer.generation.max_new_tokens += 1;
  EXPECT_NE(a, journal_key(model_fingerprint(PromptHashModel(1)), suite.bbh, longer));
  Instance sampled = inst;
  sampled.generation.greedy = false;
  EXPECT_NE(a, journal_key(model_fingerprint(PromptHashModel(1)), suite.bbh, sampled));
}

std::string read_bytes(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

// The error a journal's load gives, or "" when it loads.
std::string load_error(const std::filesystem::path& path) {
  try {
    Journal journal(path);
  } catch (const std::runtime_error& e) {
    return e.what();
  }
  return "";
}

TEST(Journal, ATornLastLineIsSkippedAndCutOffBeforeTheNextAppend) {
  Suite suite;
  testing::ScratchDir dir;
  const auto path = dir.path() / "j.jsonl";
  {
    Journal journal(path);
    EvaluateOptions options;
    options.journal = &journal;
    PromptHashModel model;
    evaluate(model, std::vector<const Task*>{&suite.mmlu}, options);
  }
  size_t whole = 0;
  {
    Journal journal(path);
    whole = journal.size();
  }
  const std::string before_crash = read_bytes(path);
  const std::string fragment = R"({"key": "torn-marker", "task": "mmlu", "respo)";  // killed mid-write
  std::ofstream(path, std::ios::app | std::ios::binary) << fragment;
  {
    // Opening alone changes nothing: a rescore may only read.
    Journal journal(path);
    EXPECT_EQ(journal.size(), whole);
    EXPECT_EQ(journal.torn_lines(), 1u);
  }
  EXPECT_EQ(read_bytes(path), before_crash + fragment);
  Journal journal(path);
  EvaluateOptions options;
  options.journal = &journal;
  PromptHashModel model;
  evaluate(model, std::vector<const Task*>{&suite.bbh}, options);
  const size_t after = journal.size();
  EXPECT_GT(after, whole);
  const std::string text = read_bytes(path);
  EXPECT_EQ(text.rfind(before_crash, 0), 0u);  // the old lines kept as they were
  EXPECT_EQ(text.find("torn-marker"), std::string::npos);
  Journal reopened(path);
  EXPECT_EQ(reopened.size(), after);
  EXPECT_EQ(reopened.torn_lines(), 0u);
}

TEST(Journal, AWholeLastLineWithoutItsNewlineCountsAsTorn) {
  testing::ScratchDir dir;
  const std::string entry = R"({"key": "k", "response": {"generation": {"text": "x", "hit_stop": true, )"
                            R"("truncated": false, "tokens": 1}}})";
  std::string unfinished = entry;
  unfinished.replace(unfinished.find("\"k\""), 3, "\"k2\"");
  const auto path = dir.write("j.jsonl", entry + "\n" + unfinished);
  Journal journal(path);
  EXPECT_EQ(journal.size(), 1u);
  EXPECT_NE(journal.find("k"), nullptr);
  EXPECT_EQ(journal.find("k2"), nullptr);
  EXPECT_EQ(journal.torn_lines(), 1u);
}

TEST(Journal, ABadLineBeforeTheLastIsAnErrorNamingFileAndLine) {
  testing::ScratchDir dir;
  const std::string entry = R"({"key": "k", "response": {"generation": {"text": "x", "hit_stop": true, )"
                            R"("truncated": false, "tokens": 1}}})";
  const auto path = dir.write("j.jsonl", entry + "\n{\"key\": \"cut\n\n" + entry + "\n");
  const std::string what = load_error(path);
  EXPECT_NE(what.find(path.string()), std::string::npos) << what;
  EXPECT_NE(what.find("line 2"), std::string::npos) << what;
  EXPECT_NE(what.find("only the last line may be torn"), std::string::npos) << what;
  // The same torn line at the end (followed by blank lines only) is accepted.
  dir.write("j.jsonl", entry + "\n{\"key\": \"cut\n\n");
  EXPECT_EQ(load_error(path), "");
}

TEST(Journal, AWholeLineThatIsNotAnEntryIsAnErrorNamingFileAndLine) {
  testing::ScratchDir dir;
  const auto path = dir.write("j.jsonl", "{\"key\": \"k\", \"response\": {\"generation\": {}}}\n");
  try {
    Journal journal(path);
    FAIL() << "expected an error";
  } catch (const std::runtime_error& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find(path.string()), std::string::npos) << what;
    EXPECT_NE(what.find("line 1"), std::string::npos) << what;
  }
}

// A data-parallel run leaves one journal per rank: a resume reads them all (another rank's torn last
// line skipped, not counted, never cut), and adopting copies into the report's journal what only the
// others hold, so that it alone answers everything afterwards.
TEST(Journal, ImportedJournalsAnswerAndAdoptingMakesTheOwnJournalComplete) {
  Suite suite;
  testing::ScratchDir dir;
  const auto main_path = dir.path() / "report.journal.jsonl";
  const auto rank_path = dir.path() / "report.journal.rank1.jsonl";
  const nlohmann::json first = evaluate_into_journal(suite, rank_path);
  {
    std::ofstream torn(rank_path, std::ios::app);
    torn << "{\"key\": \"cut";
  }
  const auto rank_bytes = std::filesystem::file_size(rank_path);
  {
    Journal journal(main_path);
    journal.import_answers(rank_path);
    EXPECT_EQ(journal.torn_lines(), 0u);
    EvaluateOptions options;
    options.journal = &journal;
    PromptHashModel never_called(8, 0);  // throws on any call
    const nlohmann::json again = evaluate(never_called, suite.list(), options);
    EXPECT_TRUE(without_journal_stats(again) == without_journal_stats(first));
    EXPECT_GT(journal.adopt_imported(), 0u);
    EXPECT_EQ(journal.adopt_imported(), 0u) << "adopting twice appends nothing";
  }
  EXPECT_EQ(std::filesystem::file_size(rank_path), rank_bytes) << "another writer's journal is only read";
  std::filesystem::remove(rank_path);
  Journal alone(main_path);
  EvaluateOptions options;
  options.journal = &alone;
  const nlohmann::json rescored = rescore_from_journal(suite.list(), options);
  EXPECT_TRUE(without_journal_stats(rescored) == without_journal_stats(first));
}

}  // namespace
}  // namespace engram::tasks
