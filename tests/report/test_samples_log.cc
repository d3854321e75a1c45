// The per-sample JSONL log: one line per evaluator sample, each valid against sample-v1.schema.json,
// written atomically, with the record count and SHA-256 the report points at.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "harness/report/report_schemas.h"
#include "harness/report/samples_log.h"
#include "report_test_util.h"
#include "tasks/sha256.h"

namespace engram::report {
namespace {

using nlohmann::json;

using testing::read_text;

std::vector<json> read_lines(const std::string& text) {
  std::vector<json> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(json::parse(line));
  return lines;
}

TEST(SamplesLog, OneValidLinePerSample) {
  const json evaluation = testing::synthetic_evaluation();
  tasks::testing::ScratchDir dir;
  const auto path = dir.path() / "oracle.samples.jsonl";
  const SamplesLogInfo info = write_samples_log(path, evaluation["samples"]);

  const std::string text = read_text(path);
  EXPECT_EQ(info.path, path);
  EXPECT_EQ(info.sha256, tasks::sha256_hex(text));
  const std::vector<json> lines = read_lines(text);
  ASSERT_EQ(lines.size(), info.records);
  EXPECT_EQ(info.records, evaluation["samples"]["bbh_cot_fewshot"].size() + evaluation["samples"]["mmlu"].size());
  EXPECT_EQ(info.records, 6u + 10u);

  size_t line = 0;
  for (const auto& [task, records] : evaluation["samples"].items()) {
    for (const json& record : records) {
      const json& logged = lines[line++];
      for (const SchemaViolation& v : sample_schema_validator().validate(logged)) ADD_FAILURE() << v.to_string();
      EXPECT_EQ(logged["task"], task);
      EXPECT_EQ(logged["doc_id"], record["doc_id"]);
      EXPECT_EQ(logged["prompt_hash"], record["prompt_hash"]);
      EXPECT_EQ(logged["response"], record["response"]);
      EXPECT_EQ(logged["metrics"], record["metrics"]);
      EXPECT_EQ(logged["target_hash"], tasks::sha256_hex(record["target"].get<std::string>()));
      EXPECT_TRUE(logged["doc_hash"].is_null());  // the evaluator's records carry no document hash yet
      EXPECT_EQ(logged["request"], record["request"]);
      EXPECT_TRUE(logged["request"].contains("type")) << logged["request"].dump();
    }
  }
}

TEST(SamplesLog, KeepsHashesAndRequestsTheRecordAlreadyHas) {
  const std::string doc_hash = tasks::sha256_hex("document");
  const json record = {{"doc_id", "x/0"},
                       {"subtask", "x"},
                       {"prompt_hash", tasks::sha256_hex("prompt")},
                       {"doc_hash", doc_hash},
                       {"request", {{"until", {"\n\n"}}, {"max_gen_toks", 32}}},
                       {"target", "B"},
                       {"response", "The answer is B"},
                       {"filtered", {{"get-answer", "B"}}},
                       {"metrics", {{"exact_match,get-answer", 1.0}}},
                       {"flags", {{"unparseable", false}, {"truncated", false}, {"hit_stop", true}}}};
  const json line = sample_log_line("bbh", record);
  EXPECT_EQ(line["doc_hash"], doc_hash);
  EXPECT_EQ(line["request"]["max_gen_toks"], 32);
  EXPECT_EQ(line["target_hash"], tasks::sha256_hex("B"));
  EXPECT_TRUE(sample_schema_validator().is_valid(line));
}

TEST(SamplesLog, ABadRecordIsAnErrorNamingTaskDocAndField) {
  json samples = testing::synthetic_evaluation()["samples"];
  samples["mmlu"][2]["prompt_hash"] = "short";
  try {
    samples_log_text(samples);
    FAIL() << "a bad record was logged";
  } catch (const std::invalid_argument& e) {
    const std::string message = e.what();
    EXPECT_NE(message.find("samples/mmlu/2 (doc_id \"anatomy/2\"): /prompt_hash: \"short\" does not match pattern"),
              std::string::npos)
        << message;
  }
  EXPECT_THROW(samples_log_text(json::array()), std::invalid_argument);
  EXPECT_THROW(samples_log_text({{"mmlu", 3}}), std::invalid_argument);
}

TEST(SamplesLog, ReportEntryPathIsRelativeToTheReport) {
  SamplesLogInfo info;
  info.path = "/runs/night/tiny-engram.samples.jsonl";
  info.records = 12;
  info.sha256 = tasks::sha256_hex("x");
  EXPECT_EQ(info.to_report_json("/runs/night/tiny-engram.json"),
            (json{{"path", "tiny-engram.samples.jsonl"}, {"records", 12}, {"sha256", info.sha256}}));
  EXPECT_EQ(info.to_report_json("/runs/night/reports/tiny-engram.json")["path"], "/runs/night/tiny-engram.samples.jsonl");
  info.path = "/runs/night/samples/a.jsonl";
  EXPECT_EQ(info.to_report_json("/runs/night/tiny-engram.json")["path"], "samples/a.jsonl");
}

}  // namespace
}  // namespace engram::report
