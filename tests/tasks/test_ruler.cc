// RULER end to end on the shared data with the DeepSeek-V3 tokenizer: gold answers score 1 on every
// task at several lengths, empty answers 0; prompts fill the target length without exceeding it;
// a seed fixes the samples; upstream-style JSONL round-trips; missing QA data is reported clearly.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <unordered_map>

#include "harness/tokenizer/tokenizer.h"
#include "tasks/data_error.h"
#include "tasks/evaluator.h"
#include "tasks/fingerprint.h"
#include "tasks/oracle_model.h"
#include "tasks/registry.h"
#include "tasks/ruler/common_words_generator.h"
#include "tasks/ruler/ruler_instances.h"
#include "tasks/ruler/ruler_jsonl_task.h"
#include "tasks/ruler/ruler_task.h"
#include "ruler_test_data.h"
#include "tasks_test_util.h"

namespace engram::tasks::ruler {
namespace {

using ::engram::tasks::testing::datasets_dir;
using ::engram::tasks::testing::ScratchDir;

std::filesystem::path tokenizer_dir() { return ::engram::testing::shared_dir() / "tokenizers" / "deepseek-v3"; }

// Loaded once for the suite (a few hundred ms).
const tokenizer::Tokenizer& deepseek() {
  static const tokenizer::Tokenizer tok = tokenizer::Tokenizer::load(tokenizer_dir().string());
  return tok;
}

TaskOptions options_with_tokenizer(std::vector<int64_t> lengths, size_t samples) {
  TaskOptions o;
  o.data_dir = testing::ruler_data_dir();
  o.encode = [](const std::string& text) { return deepseek().encode(text, false); };
  o.ruler.lengths = std::move(lengths);
  o.ruler.samples = samples;
  return o;
}

// Answers every prompt with its references joined by spaces (or with `empty`).
OracleModel answering(const std::vector<Instance>& instances, bool empty = false) {
  auto answers = std::make_shared<std::unordered_map<std::string, std::string>>();
  for (const auto& inst : instances) {
    std::string text;
    for (const auto& r : instance_references(inst)) text += " " + r;
    (*answers)[inst.context] = empty ? "" : text;
  }
  return OracleModel([](const std::string&) { return std::nullopt; },
                     [answers](const std::string& context) -> std::optional<std::string> {
                       const auto it = answers->find(context);
                       if (it == answers->end()) return std::nullopt;
                       return it->second;
                     });
}

EvaluateOptions eval_options(std::optional<size_t> limit, bool log_samples) {
  EvaluateOptions o;
  o.limit = limit;
  o.log_samples = log_samples;
  return o;
}

#define REQUIRE_RULER_DATA()                                   \
  ENGRAM_REQUIRE_SHARED(datasets_dir() / "ruler");             \
  ENGRAM_REQUIRE_SHARED(tokenizer_dir() / "tokenizer.json");    \
  ENGRAM_REQUIRE_SHARED(testing::punkt_cache_dir() / "english" / "ortho_context.tab")

TEST(Ruler, GoldAnswersScoreOneAndEmptyAnswersZeroAtSeveralLengths) {
  REQUIRE_RULER_DATA();
  const auto started = std::chrono::steady_clock::now();
  const TaskOptions options = options_with_tokenizer({1024, 4096, 16384}, 500);
  auto task = make_ruler_task(options, options.ruler);
  // Without SQuAD/HotpotQA in the shared data both QA tasks are skipped, with the reason.
  ASSERT_EQ(task->skipped_subtasks().size(), 2u);
  EXPECT_EQ(task->subtasks().size(), 33u);
  const auto instances = task->instances(2);
  ASSERT_EQ(instances.size(), 66u);
  auto gold = answering(instances);
  const auto good = evaluate(gold, std::vector<const Task*>{task.get()}, eval_options(2, true));
  const auto& r = good["results"]["ruler"];
  for (const auto& subtask : task->subtasks()) {
    EXPECT_EQ(r["subtask_results"][subtask]["metrics"]["string_match,ruler_postprocess"]["value"].get<double>(), 1.0)
        << subtask;
  }
  EXPECT_EQ(r["metrics"]["string_match,ruler_postprocess"]["value"].get<double>(), 1.0);
  EXPECT_EQ(r["groups"]["S@4096"]["metrics"]["string_match,ruler_postprocess"]["value"].get<double>(), 1.0);
  // Without QA the per-length average is named for its 11 tasks, never RULER's 13-task "all".
  EXPECT_EQ(r["groups"]["all_without_qa@16384"]["n"], 22);
  EXPECT_FALSE(r["groups"].contains("all@16384"));
  EXPECT_EQ(r["groups"]["CWE"]["n"], 6);

  auto empty = answering(instances, true);
  const auto bad = evaluate(empty, std::vector<const Task*>{task.get()}, eval_options(2, false));
  EXPECT_EQ(bad["results"]["ruler"]["metrics"]["string_match,ruler_postprocess"]["value"].get<double>(), 0.0);
  EXPECT_EQ(bad["results"]["ruler"]["counts"]["unparseable"], 66);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  std::cout << "[ruler] 33 subtasks x 2 samples generated and scored twice in " << seconds << " s\n";
}

TEST(Ruler, LengthsCountNoAddedTokensAndNeverExceedTheTarget) {
  REQUIRE_RULER_DATA();
  // A model whose encode adds a BOS, as EngineModel's does: upstream's tokenizer wrapper counts
  // tokenizer.tokenize(text), without it, and so must we.
  auto options = options_with_tokenizer({1024, 8192}, 500);
  options.encode = [](const std::string& text) {
    auto ids = deepseek().encode(text, false);
    ids.insert(ids.begin(), 1);
    return ids;
  };
  auto task = make_ruler_task(options, options.ruler);
  for (const auto& subtask : task->subtasks()) {
    const auto parsed = parse_subtask_name(subtask);
    for (const auto& s : task->generate_samples(subtask, 3)) {
      const int64_t measured = static_cast<int64_t>(deepseek().encode(s.sample.prompt(), false).size()) +
                               find_ruler_task(parsed.task)->family_template().tokens_to_generate;
      EXPECT_EQ(measured, s.length) << subtask;
      // Upstream drops a whole increment (500 essay words, 25 noise lines, ...) from a sample that
      // overshoots, so samples may sit well under the target; over it, never.
      EXPECT_LE(s.length, *parsed.length) << subtask;
    }
  }
}

TEST(Ruler, SamplesAreFixedBySeedAndIndependentOfTheLimit) {
  REQUIRE_RULER_DATA();
  auto options = options_with_tokenizer({1024}, 10);
  options.selection = {"S", "vt", "cwe", "fwe"};
  const auto a = make_ruler_task(options, options.ruler)->instances(2);
  const auto b = make_ruler_task(options, options.ruler)->instances(3);
  options.ruler.seed = 43;
  const auto c = make_ruler_task(options, options.ruler)->instances(2);
  ASSERT_EQ(a.size(), 12u);
  ASSERT_EQ(b.size(), 18u);
  for (size_t i = 0; i < a.size(); ++i) {
    const auto& same = b[(i / 2) * 3 + i % 2];
    EXPECT_EQ(a[i].doc_id, same.doc_id);
    EXPECT_EQ(a[i].context, same.context) << a[i].doc_id;
    EXPECT_NE(a[i].context, c[i].context) << a[i].doc_id;
  }
  EXPECT_NE(a[0].context, a[1].context);
}

TEST(Ruler, PromptShapesFollowRulersTemplates) {
  REQUIRE_RULER_DATA();
  auto options = options_with_tokenizer({4096}, 5);
  options.selection = {"niah_single_1", "niah_multivalue", "vt"};
  const auto task = make_ruler_task(options, options.ruler);
  const auto single = task->generate_samples("niah_single_1@4096", 1)[0].sample;
  EXPECT_EQ(single.input.rfind("A special magic number is hidden within the following text.", 0), 0u);
  EXPECT_EQ(single.answer_prefix.rfind(" The special magic number for ", 0), 0u);
  EXPECT_NE(single.input.find("One of the special magic numbers for "), std::string::npos);
  const auto multi = task->generate_samples("niah_multivalue@4096", 1)[0].sample;
  EXPECT_EQ(multi.outputs.size(), 4u);
  EXPECT_EQ(multi.input.rfind("Some special magic numbers are hidden", 0), 0u);
  const auto vt = task->generate_samples("vt@4096", 1)[0].sample;
  EXPECT_EQ(vt.outputs.size(), 5u);
  EXPECT_NE(vt.input.find("VAR " + vt.outputs[1] + " = VAR " + vt.outputs[0] + " "), std::string::npos);
  EXPECT_EQ(vt.answer_prefix.find(" Answer: According to the chain(s) of variable assignment in the text above, 5 "
                                  "variables are assigned the value "),
            0u);
}

TEST(Ruler, SelectionByTaskAndCategoryAndUnknownNames) {
  REQUIRE_RULER_DATA();
  auto options = options_with_tokenizer({4096}, 5);
  auto task = TaskRegistry::builtin().create("ruler:MK+vt", options);
  EXPECT_EQ(task->subtasks(),
            (std::vector<std::string>{"niah_multikey_1@4096", "niah_multikey_2@4096", "niah_multikey_3@4096", "vt@4096"}));
  EXPECT_THROW(TaskRegistry::builtin().create("ruler:niah_single_9", options), std::invalid_argument);
  options.ruler.lengths = {512};
  EXPECT_THROW(TaskRegistry::builtin().create("ruler:vt", options), std::invalid_argument);
}

TEST(Ruler, WithoutATokenizerListingWorksAndInstancesExplain) {
  REQUIRE_RULER_DATA();
  TaskOptions o;
  o.data_dir = datasets_dir();
  auto task = TaskRegistry::builtin().create("ruler:vt", o);
  EXPECT_EQ(task->subtasks(), (std::vector<std::string>{"vt@4096"}));
  EXPECT_EQ(task->fingerprint().size(), 64u);
  try {
    task->instances(1);
    FAIL() << "no error without a tokenizer";
  } catch (const std::logic_error& e) {
    EXPECT_NE(std::string(e.what()).find("TaskOptions::encode"), std::string::npos) << e.what();
  }
}

TEST(Ruler, LengthsAboveTheModelsWindowAreSkippedWithTheReasonNeverCut) {
  REQUIRE_RULER_DATA();
  TaskOptions options = options_with_tokenizer({1024, 4096, 8192}, 1);
  options.selection = {"niah_single_1"};
  options.ruler.context_window = 4096;  // a length equal to the window fits
  const auto task = make_ruler_task(options, options.ruler);
  EXPECT_EQ(task->subtasks(), (std::vector<std::string>{"niah_single_1@1024", "niah_single_1@4096"}));
  ASSERT_EQ(task->skipped_subtasks().size(), 1u);
  EXPECT_EQ(task->skipped_subtasks()[0].first, "all@8192");
  EXPECT_NE(task->skipped_subtasks()[0].second.find("context window of 4096"), std::string::npos);
  EXPECT_EQ(task->protocol()["lengths"], (nlohmann::json{1024, 4096}));
  for (const auto& sample : task->generate_samples("niah_single_1@4096", 1)) EXPECT_LE(sample.length, 4096);

  options.ruler.context_window = 1000;  // below RULER's shortest length: nothing to evaluate
  try {
    make_ruler_task(options, options.ruler);
    FAIL() << "RULER built although every length exceeds the window";
  } catch (const TaskNotApplicable& e) {
    EXPECT_NE(std::string(e.what()).find("context window of 1000"), std::string::npos) << e.what();
  }
  EXPECT_EQ(requested_lengths(RulerOptions{}), (std::vector<int64_t>{4096}));
}

TEST(Ruler, MissingQaDataIsSkippedOrReportedWithHowToGetIt) {
  REQUIRE_RULER_DATA();
  ScratchDir dir;  // a data dir with the RULER sources but no QA files
  std::filesystem::create_directories(dir.path() / "ruler");
  std::filesystem::create_directory_symlink(datasets_dir() / "ruler" / "wonderwords", dir.path() / "ruler" / "wonderwords");
  std::filesystem::create_directories(dir.path() / "ruler" / "json");
  std::filesystem::create_symlink(datasets_dir() / "ruler" / "json" / "PaulGrahamEssays.json",
                                  dir.path() / "ruler" / "json" / "PaulGrahamEssays.json");
  TaskOptions o;
  o.data_dir = dir.path();
  auto all = make_ruler_task(o, o.ruler);
  ASSERT_EQ(all->skipped_subtasks().size(), 2u);
  EXPECT_EQ(all->skipped_subtasks()[0].first, "qa_1");
  EXPECT_NE(all->skipped_subtasks()[0].second.find("dev-v2.0.json"), std::string::npos);
  EXPECT_NE(all->skipped_subtasks()[1].second.find("hotpot_dev_distractor_v1.json"), std::string::npos);
  EXPECT_NE(canonical_json(all->protocol()).find("hotpot"), std::string::npos);
  for (const std::string spec : {"ruler:qa_1", "ruler:QA"}) {
    try {
      TaskRegistry::builtin().create(spec, o);
      FAIL() << spec << " created without its data";
    } catch (const DataMissingError& e) {
      const std::string what = e.what();
      EXPECT_NE(what.find("squad.json"), std::string::npos) << what;
      EXPECT_NE(what.find("rajpurkar.github.io"), std::string::npos) << what;
    }
  }
}

TEST(Ruler, CweBeyondTheWordPoolNeedsUpstreamsEnglishWords) {
  REQUIRE_RULER_DATA();
  const RulerSources sources = load_ruler_sources(testing::ruler_data_dir());
  ASSERT_TRUE(sources.english_words.words.empty());  // upstream's file is a Git-LFS object we do not have
  const CommonWordsGenerator cwe(*find_ruler_task("cwe"), sources, 42);
  RulerStreams streams(42);
  EXPECT_NO_THROW(cwe.generate(cwe.pool_size(), 131072, streams));
  try {
    cwe.generate(cwe.pool_size() + 1, 131072, streams);
    FAIL() << "a list over the pool was made without english_words.json";
  } catch (const DataMissingError& e) {
    EXPECT_NE(std::string(e.what()).find("english_words.json"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(kEnglishWordsSha256), std::string::npos) << e.what();
  }
  // A file that is not upstream's is refused, naming it.
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "ruler" / "json");
  std::filesystem::create_directory_symlink(datasets_dir() / "ruler" / "wonderwords", dir.path() / "ruler" / "wonderwords");
  std::filesystem::create_symlink(datasets_dir() / "ruler" / "json" / "PaulGrahamEssays.json",
                                  dir.path() / "ruler" / "json" / "PaulGrahamEssays.json");
  const auto fake = dir.write("ruler/json/english_words.json", R"({"0": "apple", "1": "pear"})");
  try {
    load_ruler_sources(dir.path());
    FAIL() << "a substitute english_words.json was accepted";
  } catch (const DataError& e) {
    EXPECT_NE(std::string(e.what()).find(fake.string()), std::string::npos) << e.what();
  }
  EXPECT_EQ(parse_english_words(R"({"b": "zebra", "a": "apple"})", "x.json"), (std::vector<std::string>{"zebra", "apple"}));
}

TEST(Ruler, EssayTasksWithoutThePunktModelSayHowToGetIt) {
  REQUIRE_RULER_DATA();
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "ruler");
  std::filesystem::create_directory_symlink(datasets_dir() / "ruler" / "wonderwords", dir.path() / "ruler" / "wonderwords");
  std::filesystem::create_directory_symlink(datasets_dir() / "ruler" / "json", dir.path() / "ruler" / "json");
  auto o = options_with_tokenizer({4096}, 2);
  o.data_dir = dir.path();
  o.selection = {"niah_single_2", "niah_single_1"};
  // Nor in the data cache: point it at an empty folder while the sources load.
  const char* cache = std::getenv("XDG_CACHE_HOME");
  const std::string saved = cache ? cache : "";
  ::setenv("XDG_CACHE_HOME", (dir.path() / "cache").c_str(), 1);
  auto task = make_ruler_task(o, o.ruler);
  if (cache) ::setenv("XDG_CACHE_HOME", saved.c_str(), 1); else ::unsetenv("XDG_CACHE_HOME");
  EXPECT_EQ(task->generate_samples("niah_single_1@4096", 1).size(), 1u);  // noise haystack: no punkt needed
  try {
    task->generate_samples("niah_single_2@4096", 1);
    FAIL() << "essay sentences split without the punkt model";
  } catch (const DataMissingError& e) {
    EXPECT_NE(std::string(e.what()).find("gen_ruler_punkt_tab.py"), std::string::npos) << e.what();
  }
}

// Made-up SQuAD/HotpotQA files in the upstream formats (no benchmark text).
void write_qa_files(const ScratchDir& dir) {
  nlohmann::json squad = {{"data", nlohmann::json::array()}};
  for (int a = 0; a < 6; ++a) {
    nlohmann::json article = {{"paragraphs", nlohmann::json::array()}};
    for (int p = 0; p < 4; ++p) {
      const std::string id = std::to_string(a) + "-" + std::to_string(p);
      article["paragraphs"].push_back(
          {{"context", "Paragraph " + id + " says that the river code of place " + id + " is R" + id + "X."},
           {"qas",
            {{{"question", "What is the river code of place " + id + "?"},
              {"is_impossible", false},
              {"answers", {{{"text", "R" + id + "X"}}, {{"text", "code R" + id + "X"}}}}},
             {{"question", "Unanswerable " + id + "?"}, {"is_impossible", true}, {"answers", nlohmann::json::array()}}}}});
    }
    squad["data"].push_back(article);
  }
  dir.write("ruler/json/squad.json", squad.dump());
  nlohmann::json hotpot = nlohmann::json::array();
  for (int q = 0; q < 12; ++q) {
    nlohmann::json context = nlohmann::json::array();
    for (int d = 0; d < 10; ++d) {
      const std::string id = std::to_string(q) + "." + std::to_string(d);
      context.push_back({"Title " + id, {"Sentence one of " + id + ". ", "Sentence two of " + id + "."}});
    }
    hotpot.push_back({{"question", "Which code belongs to " + std::to_string(q) + "?"},
                      {"answer", "H" + std::to_string(q) + "Q"},
                      {"context", context}});
  }
  dir.write("ruler/json/hotpotqa.json", hotpot.dump());
}

TEST(Ruler, QaTasksWithSuppliedDataScoreOne) {
  REQUIRE_RULER_DATA();
  ScratchDir dir;
  std::filesystem::create_directories(dir.path() / "ruler" / "json");
  std::filesystem::create_directory_symlink(datasets_dir() / "ruler" / "wonderwords", dir.path() / "ruler" / "wonderwords");
  std::filesystem::create_symlink(datasets_dir() / "ruler" / "json" / "PaulGrahamEssays.json",
                                  dir.path() / "ruler" / "json" / "PaulGrahamEssays.json");
  write_qa_files(dir);
  auto o = options_with_tokenizer({1024, 2048}, 10);
  o.data_dir = dir.path();
  o.selection = {"QA"};
  auto task = make_ruler_task(o, o.ruler);
  EXPECT_TRUE(task->skipped_subtasks().empty());
  const auto instances = task->instances(3);
  ASSERT_EQ(instances.size(), 12u);
  EXPECT_NE(instances[0].context.find("Document 1:\n"), std::string::npos);
  EXPECT_EQ(instances[0].context.substr(instances[0].context.size() - 8), " Answer:");
  auto gold = answering(instances);
  const auto out = evaluate(gold, std::vector<const Task*>{task.get()}, eval_options(3, false));
  EXPECT_EQ(out["results"]["ruler"]["metrics"]["string_match,ruler_postprocess"]["value"].get<double>(), 1.0);
  o.ruler.samples = 1000;  // more than the 24 answerable questions
  EXPECT_THROW(make_ruler_task(o, o.ruler), std::invalid_argument);
}

TEST(RulerJsonl, UpstreamFilesRoundTrip) {
  REQUIRE_RULER_DATA();
  auto options = options_with_tokenizer({1024}, 4);
  options.selection = {"niah_single_2", "qa_1"};
  ScratchDir data;
  std::filesystem::create_directories(data.path() / "ruler" / "json");
  std::filesystem::create_directory_symlink(datasets_dir() / "ruler" / "wonderwords", data.path() / "ruler" / "wonderwords");
  std::filesystem::create_symlink(datasets_dir() / "ruler" / "json" / "PaulGrahamEssays.json",
                                  data.path() / "ruler" / "json" / "PaulGrahamEssays.json");
  write_qa_files(data);
  testing::link_punkt(data.path());
  options.data_dir = data.path();
  auto native = make_ruler_task(options, options.ruler);
  ScratchDir dir;
  std::vector<std::filesystem::path> files;
  for (const auto& subtask : native->subtasks()) {
    const auto parsed = parse_subtask_name(subtask);
    std::string jsonl;
    size_t index = 0;
    for (const auto& s : native->generate_samples(subtask, 4)) {
      jsonl += nlohmann::json{{"index", index++}, {"input", s.sample.input}, {"outputs", s.sample.outputs},
                              {"length", s.length}, {"length_w_model_temp", s.length},
                              {"answer_prefix", s.sample.answer_prefix}}
                   .dump() +
               "\n";
    }
    files.push_back(dir.write("1024/data/" + parsed.task + "/validation.jsonl", jsonl));
  }
  TaskOptions o;
  o.ruler.files = files;
  auto upstream = TaskRegistry::builtin().create("ruler_jsonl", o);
  EXPECT_EQ(upstream->subtasks(), native->subtasks());
  const auto a = native->instances(std::nullopt);
  const auto b = upstream->instances(std::nullopt);
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].context, b[i].context);
    EXPECT_EQ(a[i].generation.max_new_tokens, b[i].generation.max_new_tokens);
  }
  auto gold = answering(b);
  const auto out = evaluate(gold, std::vector<const Task*>{upstream.get()}, eval_options(std::nullopt, false));
  EXPECT_EQ(out["results"]["ruler_jsonl"]["metrics"]["string_match,ruler_postprocess"]["value"].get<double>(), 1.0);
  EXPECT_TRUE(out["results"]["ruler_jsonl"]["groups"].contains("S@1024"));
}

TEST(RulerJsonl, MalformedLinesNameFileAndLine) {
  ScratchDir dir;
  const auto ok = R"({"index": 0, "input": "x", "outputs": ["1"], "length": 10})";
  const auto broken = dir.write("vt/validation.jsonl", std::string(ok) + "\n\n{\"index\": 1, \"input\": \n");
  const auto missing = dir.write("cwe.jsonl", std::string(ok) + "\n" + R"({"index": 1, "input": "y", "length": 3})" + "\n");
  const auto unknown = dir.write("mystery.jsonl", std::string(ok) + "\n");
  try {
    load_ruler_jsonl(broken);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 3u);
    EXPECT_NE(std::string(e.what()).find(broken.string() + ":3:"), std::string::npos) << e.what();
  }
  try {
    load_ruler_jsonl(missing);
    FAIL();
  } catch (const DataError& e) {
    EXPECT_EQ(e.line(), 2u);
    EXPECT_EQ(e.field(), "outputs");
  }
  EXPECT_THROW(load_ruler_jsonl(unknown), DataError);
  TaskOptions o;
  EXPECT_THROW(TaskRegistry::builtin().create("ruler_jsonl", o), std::invalid_argument);
}

}  // namespace
}  // namespace engram::tasks::ruler
