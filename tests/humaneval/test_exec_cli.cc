// `humaneval-exec`, run as a user runs it, on a samples file in human-eval's format: passing,
// failing, raising and timing-out samples give the results file and pass@k that openai/human-eval
// gives for the same samples (tests/data/humaneval/exec_cli, from scripts/gen_humaneval_exec_reference.py).
#include <gtest/gtest.h>

#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "../cli_runner.h"
#include "he_support.h"

namespace engram::testing::humaneval {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

fs::path reference_dir() { return source_dir() / "tests" / "data" / "humaneval" / "exec_cli"; }

std::vector<json> read_jsonl(const fs::path& path) {
  std::ifstream in(path);
  EXPECT_TRUE(in) << "cannot open " << path;
  std::vector<json> lines;
  for (std::string line; std::getline(in, line);) {
    if (!line.empty()) lines.push_back(json::parse(line));
  }
  return lines;
}

const he::Problem& problem(const std::string& task_id) {
  for (const auto& p : problems()) {
    if (p.task_id == task_id) return p;
  }
  throw std::runtime_error("no problem " + task_id);
}

// The spec's problems (human-eval's JSONL fields) and samples (null completion: the canonical one).
void write_inputs(const json& spec, const fs::path& problems_file, const fs::path& samples_file) {
  std::ofstream p(problems_file);
  for (const auto& id : spec["problems"]) {
    const he::Problem& q = problem(id.get<std::string>());
    p << json{{"task_id", q.task_id}, {"prompt", q.prompt}, {"canonical_solution", q.canonical_solution},
              {"test", q.test}, {"entry_point", q.entry_point}}.dump()
      << "\n";
  }
  std::ofstream s(samples_file);
  for (const auto& sample : spec["samples"]) {
    const std::string id = sample["task_id"].get<std::string>();
    const std::string completion =
        sample["completion"].is_null() ? problem(id).canonical_solution : sample["completion"].get<std::string>();
    s << json{{"task_id", id}, {"completion", completion}}.dump() << "\n";
  }
}

// Our result string says the same as human-eval's: "passed", "timed out", or "failed: MESSAGE"
// (ours carries the exception line, e.g. "failed: ValueError: MESSAGE").
void expect_same_outcome(const json& ours, const json& reference, size_t line) {
  EXPECT_EQ(ours["task_id"], reference["task_id"]) << "line " << line;
  EXPECT_EQ(ours["passed"], reference["passed"]) << "line " << line << ": " << ours.dump();
  const std::string mine = ours["result"].get<std::string>(), theirs = reference["result"].get<std::string>();
  if (theirs == "passed") {
    EXPECT_EQ(mine, "passed") << "line " << line;
  } else if (theirs == "timed out") {
    EXPECT_NE(mine.find("time"), std::string::npos) << "line " << line << ": " << mine;
  } else {
    ASSERT_EQ(theirs.rfind("failed: ", 0), 0u) << theirs;
    EXPECT_EQ(mine.rfind("failed", 0), 0u) << "line " << line << ": " << mine;
    EXPECT_NE(mine.find(theirs.substr(8)), std::string::npos) << "line " << line << ": " << mine << " vs " << theirs;
  }
}

TEST(HumanEvalExecCli, ResultsFileAndPassAtKMatchHumanEval) {
  ENGRAM_REQUIRE_SHARED(problems_path());
  TempDir dir;
  const json spec = json::parse(std::ifstream(reference_dir() / "samples_spec.json"));
  const fs::path problems_file = dir.path() / "problems.jsonl", samples_file = dir.path() / "samples.jsonl";
  write_inputs(spec, problems_file, samples_file);
  const fs::path results = dir.path() / "results.jsonl", record = dir.path() / "record.json";
  // A 1 s timeout keeps the test short; the timing-out sample loops forever either way.
  const auto [code, output] =
      run_program_with_env("", HUMANEVAL_EXEC_BINARY,
                           "--samples " + samples_file.string() + " --problems " + problems_file.string() +
                               " --timeout 1 --workers 2 --k 1,2 --results " + results.string() + " --out " +
                               record.string());
  ASSERT_EQ(code, 0) << output;

  const std::vector<json> expected = read_jsonl(reference_dir() / "expected_results.jsonl");
  const std::vector<json> ours = read_jsonl(results);
  ASSERT_EQ(ours.size(), expected.size());
  for (size_t i = 0; i < ours.size(); ++i) {
    expect_same_outcome(ours[i], expected[i], i + 1);
    const json& sample = spec["samples"][i];
    if (!sample["completion"].is_null()) {
      EXPECT_EQ(ours[i]["completion"], sample["completion"]) << "line " << i + 1;
    }
  }

  const json scores = json::parse(std::ifstream(reference_dir() / "expected_pass_at_k.json"));
  const json written = json::parse(std::ifstream(record));
  for (const char* k : {"pass@1", "pass@2"}) {
    EXPECT_NEAR(written["scores"][k].get<double>(), scores[k].get<double>(), 1e-12) << k;
  }
  EXPECT_NE(output.find("pass@1 = 0.3333"), std::string::npos) << output;
  EXPECT_EQ(written["n_samples"], 6);
}

TEST(HumanEvalExecCli, BadSamplesFileIsAnErrorNamingTheLine) {
  ENGRAM_REQUIRE_SHARED(problems_path());
  TempDir dir;
  const fs::path samples = dir.path() / "bad.jsonl";
  std::ofstream(samples) << "{\"task_id\": \"HumanEval/0\", \"completion\": \"    return True\\n\"}\n{not json\n";
  const fs::path results = dir.path() / "results.jsonl";
  const auto [code, output] = run_program_with_env(
      "", HUMANEVAL_EXEC_BINARY,
      "--samples " + samples.string() + " --problems " + problems_path().string() + " --results " + results.string());
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("bad.jsonl:2"), std::string::npos) << output;
  EXPECT_FALSE(fs::exists(results));
  const auto [usage_code, usage] = run_program_with_env("", HUMANEVAL_EXEC_BINARY, "--timeout");
  EXPECT_EQ(usage_code, 2) << usage;
}

}  // namespace
}  // namespace engram::testing::humaneval
